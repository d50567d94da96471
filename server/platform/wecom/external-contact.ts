// Customers: followers, per-member lists, detail and batch detail, remarks (doc 92571/92113/92114/92994/92115).
import type { WecomCall } from './call'
import { walkCursor } from './cursor'
import { WecomPaths } from './paths'
import type { BaseResponse } from './types'
import type {
  BatchGetByUserRequest,
  BatchGetByUserResponse,
  ExternalContactWithFollowInfo,
  GetExternalContactResponse,
  GetFollowUserListResponse,
  ListExternalContactResponse,
  RemarkRequest,
} from './external-contact.types'

const P = WecomPaths.ExternalContact

export interface GetExternalContactOptions {
  /** Start from this cursor instead of the first page. */
  cursor?: string
  /** false: return one page of follow_user (with its next_cursor) instead of merging all of them. */
  allPages?: boolean
}

export function externalContactApi(call: WecomCall) {
  const page = (externalUserId: string, cursor?: string) =>
    call<GetExternalContactResponse>({ method: 'GET', path: P.get, query: { external_userid: externalUserId, cursor } })
  const batchGetByUser = (req: BatchGetByUserRequest) => call<BatchGetByUserResponse>({ method: 'POST', path: P.batchGetByUser, body: req })

  return {
    /** Members with customer contact enabled (within the app's visible range). */
    getFollowUserList: () => call<GetFollowUserListResponse>({ method: 'GET', path: P.getFollowUserList }),
    /** external_userids added by one member. */
    list: (userid: string) => call<ListExternalContactResponse>({ method: 'GET', path: P.list, query: { userid } }),
    /** Customer detail; follow_user is paged at 500 and merged across pages unless allPages is false. */
    async get(externalUserId: string, opts: GetExternalContactOptions = {}): Promise<GetExternalContactResponse> {
      if (opts.allPages === false) return page(externalUserId, opts.cursor)
      let first: GetExternalContactResponse | undefined
      const followUsers: GetExternalContactResponse['follow_user'] = []
      for await (const p of walkCursor((cursor) => page(externalUserId, cursor ?? opts.cursor))) {
        first ??= p
        followUsers.push(...p.follow_user)
      }
      const { next_cursor: _drop, ...rest } = first!
      return { ...rest, follow_user: followUsers }
    },
    batchGetByUser,
    /** Every (customer, follow_info) row of the given members, walking the cursors. */
    async *iterateByUser(req: Omit<BatchGetByUserRequest, 'cursor'>): AsyncGenerator<ExternalContactWithFollowInfo> {
      for await (const p of walkCursor((cursor) => batchGetByUser({ ...req, cursor }))) yield* p.external_contact_list
    },
    remark: async (req: RemarkRequest): Promise<void> => {
      await call<BaseResponse>({ method: 'POST', path: P.remark, body: req })
    },
  }
}
