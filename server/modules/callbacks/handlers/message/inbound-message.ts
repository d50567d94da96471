// Inbound text/image messages to an app: one messages row per MsgId, linked to the customer when the sender is one.
import { field } from '../../../../platform/xml'
import { PermanentJobError } from '../../../../queue/queue'
import type { CallbackHandler } from '../../dispatch'

export const inboundMessage: CallbackHandler = async ({ deps, orgId, event, doc }) => {
  const msgType = field(doc, 'MsgType')
  const from = field(doc, 'FromUserName')
  const msgId = field(doc, 'MsgId')
  if (!from || !msgId) throw new PermanentJobError(`${msgType} message without FromUserName or MsgId`)
  const content = msgType === 'image' ? field(doc, 'PicUrl') || field(doc, 'MediaId') : field(doc, 'Content')
  // One statement: the customer link is a subquery, and insert-ignore on (org_id, msg_id) absorbs a replay.
  await deps.db
    .insertInto('messages')
    .values({
      org_id: orgId,
      customer_id: deps.db.selectFrom('customers').select('id').where('org_id', '=', orgId).where('external_userid', '=', from),
      from_id: from.slice(0, 64),
      to_id: (field(doc, 'AgentID') || field(doc, 'ToUserName')).slice(0, 64),
      msg_type: msgType.slice(0, 32),
      content,
      msg_id: msgId.slice(0, 64),
      create_time: Number(event.create_time),
      created_at: deps.clock.now(),
    })
    .ignore()
    .execute()
  return 'processed'
}
