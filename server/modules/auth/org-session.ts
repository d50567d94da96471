// The admin session behind a raw (non-tRPC) route, with the tenant rule orgProcedure applies; answers 401/403 itself.
import type { Request, Response } from 'express'
import type { Deps } from '../../deps'
import { resolveSession, type SessionUser } from './auth.service'
import { parseCookies, SESSION_COOKIE } from './session-cookie'

/** The signed-in user and the org they act in, or undefined once the refusal has been sent. */
export async function orgSessionOf(deps: Deps, req: Request, res: Response): Promise<{ user: SessionUser; orgId: number } | undefined> {
  const token = parseCookies(req.headers.cookie)[SESSION_COOKIE]
  const user = token ? await resolveSession(deps, token) : null
  if (!user) {
    res.status(401).json({ error: '请先登录' })
    return undefined
  }
  // A platform admin acts in the org chosen in the session.
  const orgId = user.role === 'super_admin' ? user.actingOrgId : user.orgId
  if (!orgId) {
    res.status(403).json({ error: '请先选择要管理的机构' })
    return undefined
  }
  return { user, orgId }
}
