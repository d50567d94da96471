// GET /MP_verify_<code>.txt at the site root: the domain check file of an account (公众平台 → 网页授权域名), its content verbatim.
import { Router } from 'express'
import type { Deps } from '../../deps'
import { OA_VERIFY_FILE_RE } from '../../../shared/schemas/oa-config'
import { findVerifyFile } from './oa-config.repository'

export function createOaVerifyFileRouter(deps: Deps): Router {
  const router = Router()
  router.get(/^\/MP_verify_[A-Za-z0-9]{1,64}\.txt$/, async (req, res, next) => {
    const name = req.path.slice(1)
    if (!OA_VERIFY_FILE_RE.test(name)) return next()
    const row = await findVerifyFile(deps.db, name)
    if (!row?.verify_file_content) {
      res.status(404).type('text/plain').send('not found')
      return
    }
    res.status(200).type('text/plain').send(row.verify_file_content)
  })
  return router
}
