// Inbound text/image messages to an app: one messages row per MsgId, linked to the customer when the sender is one.
import { field } from '../../../../platform/xml'
import { PermanentJobError } from '../../../../queue/queue'
import { insertInboundMessage } from '../../callbacks.repository'
import type { CallbackHandler } from '../handler'

export const inboundMessage: CallbackHandler = async ({ deps, orgId, event, doc }) => {
  const msgType = field(doc, 'MsgType')
  const from = field(doc, 'FromUserName')
  const msgId = field(doc, 'MsgId')
  if (!from || !msgId) throw new PermanentJobError(`${msgType} message without FromUserName or MsgId`)
  const content = msgType === 'image' ? field(doc, 'PicUrl') || field(doc, 'MediaId') : field(doc, 'Content')
  await insertInboundMessage(deps.db, {
    org_id: orgId,
    customerExternalUserid: from,
    from_id: from.slice(0, 64),
    to_id: (field(doc, 'AgentID') || field(doc, 'ToUserName')).slice(0, 64),
    msg_type: msgType.slice(0, 32),
    content,
    msg_id: msgId.slice(0, 64),
    create_time: Number(event.create_time),
    created_at: deps.clock.now(),
  })
  return 'processed'
}
