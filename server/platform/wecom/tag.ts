// Corporate customer tags (doc 92117/92118; fact sheet A.5).
import type { WecomCall } from './call'
import { WecomPaths } from './paths'
import type { BaseResponse } from './types'
import type {
  AddCorpTagRequest,
  AddCorpTagResponse,
  DelCorpTagRequest,
  EditCorpTagRequest,
  ListCorpTagsRequest,
  ListCorpTagsResponse,
  MarkTagRequest,
} from './tag.types'

const P = WecomPaths.Tag

export function tagApi(call: WecomCall) {
  return {
    list: (req: ListCorpTagsRequest = {}) => call<ListCorpTagsResponse>({ method: 'POST', path: P.list, body: req }),
    add: (req: AddCorpTagRequest) => call<AddCorpTagResponse>({ method: 'POST', path: P.add, body: req }),
    edit: async (req: EditCorpTagRequest): Promise<void> => {
      await call<BaseResponse>({ method: 'POST', path: P.edit, body: req })
    },
    del: async (req: DelCorpTagRequest): Promise<void> => {
      await call<BaseResponse>({ method: 'POST', path: P.del, body: req })
    },
    mark: async (req: MarkTagRequest): Promise<void> => {
      await call<BaseResponse>({ method: 'POST', path: P.mark, body: req })
    },
  }
}
