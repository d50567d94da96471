// OA unsubscribe: the employee is unbound and what we stored of the fan (codes, event payloads) goes; audited.
import { writeActorAudit } from '../../../audit/audit.service'
import { clearOpenid, findEmployeeByOpenid } from '../../../employees/employees.repository'
import { deleteCodesOfOpenid } from '../../../h5-binding/h5-binding.repository'
import { redactOaEventsOf } from '../../callbacks.repository'
import type { CallbackHandler } from '../handler'

export const fanUnfollowed: CallbackHandler = async ({ deps, orgId, doc }) => {
  const openid = String(doc.FromUserName ?? '')
  if (!openid) return 'ignored'
  const employee = await findEmployeeByOpenid(deps.db, orgId, openid)
  const now = deps.clock.now()
  await clearOpenid(deps.db, orgId, openid, now)
  const codes = await deleteCodesOfOpenid(deps.db, orgId, openid)
  const events = await redactOaEventsOf(deps.db, orgId, openid)
  await writeActorAudit(deps, {
    orgId,
    actor: '公众号',
    action: 'oa.unsubscribe',
    input: { employeeId: employee?.id ?? null, employee: employee?.name ?? null, deletedCodes: codes, redactedEvents: events },
    ok: true,
    ip: '',
  })
  return 'processed'
}
