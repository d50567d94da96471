// h5.*: the staff binding page (H5 session, not an admin one): who am I, send a code, bind, unbind, JS-SDK config.
import { h5BindInput, h5JsConfigInput, h5SendCodeInput } from '../../../shared/schemas/h5'
import { h5Procedure, router } from '../../trpc/init'
import { bindMobile, h5Me, jsSdkConfig, sendBindCode, unbindSelf } from './h5-binding.service'

export const h5Router = router({
  me: h5Procedure.query(({ ctx }) => h5Me(ctx.deps, ctx.h5)),
  sendCode: h5Procedure.input(h5SendCodeInput).mutation(({ ctx, input }) => sendBindCode(ctx.deps, ctx.h5, ctx.ip, input)),
  bind: h5Procedure.input(h5BindInput).mutation(({ ctx, input }) => bindMobile(ctx.deps, ctx.h5, ctx.ip, input)),
  unbind: h5Procedure.mutation(({ ctx }) => unbindSelf(ctx.deps, ctx.h5, ctx.ip)),
  jsConfig: h5Procedure.input(h5JsConfigInput).query(({ ctx, input }) => jsSdkConfig(ctx.deps, ctx.h5, input)),
})
