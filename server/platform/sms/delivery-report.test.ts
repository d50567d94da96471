// Delivery reports: the sandbox's own posts parse with the receiving side's schema; junk is refused.
import { describe, expect, it } from 'vitest'
import { deliveryReport } from '../../sandbox/sms/reports'
import { parseDeliveryReports, reportTimeMs } from './delivery-report'

describe('parseDeliveryReports', () => {
  it('parses what the emulator sends and recovers the receive time', () => {
    const sentAt = Date.UTC(2026, 10, 21, 17, 30, 5) // 01:30:05 on the 22nd in Beijing
    const body = JSON.parse(
      JSON.stringify([
        deliveryReport(
          {
            serialNo: '2433:1',
            phone: '+8613800138000',
            smsSdkAppId: '1',
            signName: 's',
            templateId: '1',
            params: [],
            text: '',
            fee: 1,
            sessionContext: '',
            sentAt,
          },
          sentAt,
        ),
      ]),
    ) as unknown
    const [r] = parseDeliveryReports(body)
    expect(r).toMatchObject({
      sid: '2433:1',
      mobile: '13800138000',
      nationcode: '86',
      report_status: 'SUCCESS',
      user_receive_time: '2026-11-22 01:30:05',
    })
    expect(reportTimeMs(r!.user_receive_time)).toBe(sentAt)
  })

  it('refuses a body that is not an array of reports', () => {
    expect(() => parseDeliveryReports({ sid: 'x' })).toThrow()
    expect(() => parseDeliveryReports([{ sid: 'x', report_status: 'MAYBE' }])).toThrow()
    expect(parseDeliveryReports([])).toEqual([])
    expect(reportTimeMs('yesterday')).toBeNull()
  })
})
