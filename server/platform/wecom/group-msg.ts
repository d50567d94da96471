// Group messaging to customers: create the task, then poll its tasks and results (doc 92135/93338/97610/97611).
import type { WecomCall } from './call'
import { walkCursor } from './cursor'
import { WecomPaths } from './paths'
import type { BaseResponse } from './types'
import type {
  AddMsgTemplateRequest,
  AddMsgTemplateResponse,
  GetGroupMsgSendResultRequest,
  GetGroupMsgSendResultResponse,
  GetGroupMsgTaskRequest,
  GetGroupMsgTaskResponse,
  GroupMsg,
  GroupMsgSendRow,
  GroupMsgTask,
  ListGroupMsgV2Request,
  ListGroupMsgV2Response,
} from './group-msg.types'

const P = WecomPaths.GroupMsg

export function groupMsgApi(call: WecomCall) {
  const listV2 = (req: ListGroupMsgV2Request) => call<ListGroupMsgV2Response>({ method: 'POST', path: P.listV2, body: req })
  const getTask = (req: GetGroupMsgTaskRequest) => call<GetGroupMsgTaskResponse>({ method: 'POST', path: P.getTask, body: req })
  const getSendResult = (req: GetGroupMsgSendResultRequest) =>
    call<GetGroupMsgSendResultResponse>({ method: 'POST', path: P.getSendResult, body: req })
  return {
    /** Creates a task the member still has to confirm; never repeated on an ambiguous failure (a repeat is a second task). */
    addTemplate: (req: AddMsgTemplateRequest) =>
      call<AddMsgTemplateResponse>({ method: 'POST', path: P.addTemplate, body: req, once: true }),
    listV2,
    async *iterateListV2(req: Omit<ListGroupMsgV2Request, 'cursor'>): AsyncGenerator<GroupMsg> {
      for await (const p of walkCursor((cursor) => listV2({ ...req, cursor }))) yield* p.group_msg_list
    },
    getTask,
    async *iterateTask(req: Omit<GetGroupMsgTaskRequest, 'cursor'>): AsyncGenerator<GroupMsgTask> {
      for await (const p of walkCursor((cursor) => getTask({ ...req, cursor }))) yield* p.task_list
    },
    getSendResult,
    async *iterateSendResult(req: Omit<GetGroupMsgSendResultRequest, 'cursor'>): AsyncGenerator<GroupMsgSendRow> {
      for await (const p of walkCursor((cursor) => getSendResult({ ...req, cursor }))) yield* p.send_list
    },
    /** At most 3 reminders per task within 24 h. */
    remind: async (msgid: string): Promise<void> => {
      await call<BaseResponse>({ method: 'POST', path: P.remind, body: { msgid } })
    },
    /** Stops further sending; delivered messages stay. */
    cancel: async (msgid: string): Promise<void> => {
      await call<BaseResponse>({ method: 'POST', path: P.cancel, body: { msgid } })
    },
  }
}
