// tags.*: tag groups and tags of the org (WeCom corp tags mirrored, CRM-only tags), with customer counts.
import { tagAddTagsInput, tagCreateGroupInput, tagRemoveInput, tagRenameInput } from '../../../shared/schemas/tag'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import { addTagsToGroup, createTagGroup, listTagGroups, removeTags, renameTagOrGroup, syncCorpTags } from './tags.service'

export const tagsRouter = router({
  list: orgProcedure.query(({ ctx }) => listTagGroups(ctx.deps, ctx.orgId)),
  /** 「从企业微信同步」: get_corp_tag_list mirrored locally. */
  refresh: orgAdminProcedure.mutation(({ ctx }) => syncCorpTags(ctx.deps, ctx.orgId)),
  createGroup: orgAdminProcedure.input(tagCreateGroupInput).mutation(({ ctx, input }) => createTagGroup(ctx.deps, ctx.orgId, input)),
  addTags: orgAdminProcedure.input(tagAddTagsInput).mutation(({ ctx, input }) => addTagsToGroup(ctx.deps, ctx.orgId, input)),
  rename: orgAdminProcedure.input(tagRenameInput).mutation(({ ctx, input }) => renameTagOrGroup(ctx.deps, ctx.orgId, input)),
  remove: orgAdminProcedure.input(tagRemoveInput).mutation(({ ctx, input }) => removeTags(ctx.deps, ctx.orgId, input)),
})
