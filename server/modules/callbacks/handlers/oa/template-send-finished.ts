// TEMPLATESENDJOBFINISH: the platform's verdict on a template message closes the delivery whose send returned that msgid.
import { closeFromReport } from '../../../notifications/deliver'
import type { CallbackHandler } from '../handler'

export const templateSendFinished: CallbackHandler = async ({ deps, orgId, doc }) => {
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '')
  const msgid = str(doc.MsgID) || str(doc.MsgId)
  // 0 has been seen when client_msg_id was used: nothing to correlate on.
  if (!msgid || msgid === '0') return 'ignored'
  const status = str(doc.Status)
  const ok = status === 'success'
  const closed = await closeFromReport(deps, orgId, 'template', msgid, {
    status: ok ? 'delivered' : 'failed',
    error: ok ? null : `微信未送达：${status === 'failed:user block' ? '员工拒收了公众号消息' : status || '未知原因'}（${status}）`,
  })
  return closed ? 'processed' : 'ignored'
}
