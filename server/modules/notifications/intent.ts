// 意向客户: the push config routes the call (mode, employees, SMS, 加入CRM); the notification follows that route.
import { createLead } from '../leads/leads.service'
import { routeIntents } from '../push-configs/push-routing'
import type { IntentRouter } from './scene-rules'

export const routeIntentCall: IntentRouter = async (deps, orgId, calls) => {
  const leveled = calls.filter((c) => c.event.intention_level)
  const routes = await routeIntents(
    deps,
    orgId,
    leveled.map(({ event }) => ({ scriptTemplateId: event.script_template_id, intentionLevel: event.intention_level! })),
  )
  const byCall = new Map(leveled.map((c, i) => [c, routes[i]]))
  return calls.map((call) => {
    const route = byCall.get(call)
    const event = call.event
    if (!route || !event.intention_level) return null
    return {
      raise: {
        scene: 'intent',
        // One alert per call, whichever event or replay carries it.
        dedupeKey: `intent:${event.call_id}`,
        vars: {
          level: event.intention_level,
          customer_phone: event.phone,
          customer_name: event.customer_name || undefined,
          detail_url: event.detail_url ?? undefined,
          time: Date.parse(event.called_at),
        },
        options: {
          employeeIds: route.employees.map((e) => e.id),
          // 不推送: no WeChat message, the inbox entry still exists.
          template: route.mode !== 'none',
          smsTemplateId: route.sms.enabled ? route.sms.templateId : null,
        },
      },
      prepare: route.addToCrm
        ? async () => {
            await createLead(deps, orgId, {
              employeeId: route.employees[0]?.id ?? null,
              phone: event.phone,
              customerName: event.customer_name,
              callId: event.call_id,
              intentionLevel: event.intention_level,
              detailUrl: event.detail_url,
            })
          }
        : undefined,
    }
  })
}
