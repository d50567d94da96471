// GET /api/customers/export.(csv|xlsx)?filter=<JSON>: an org admin downloads the filtered customer list, streamed.
import { type Request, type Response, Router } from 'express'
import type { Deps } from '../../deps'
import { orgSessionOf } from '../auth/org-session'
import { customerExportFilter } from '../../../shared/schemas/customer'
import { exportFilename, writeCustomerExport, type ExportFormat } from './customers.export'

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}

/** attachment; filename="customers.<ext>"; filename*=UTF-8''<客户列表-日期.ext> */
function disposition(name: string, format: ExportFormat): string {
  return `attachment; filename="customers.${format}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

export function createCustomerExportRouter(deps: Deps): Router {
  const r = Router()
  r.get('/api/customers/export.:format', async (req: Request, res: Response) => {
    const session = await orgSessionOf(deps, req, res)
    if (!session) return
    const { user, orgId } = session
    // Every customer of the org in one file: admins only, as the 流失客户 export.
    if (user.role === 'org_member') return void res.status(403).json({ error: '需要机构管理员权限才能导出客户' })
    const format = req.params.format
    if (format !== 'csv' && format !== 'xlsx') return void res.status(404).json({ error: '只支持导出 CSV 或 Excel（xlsx）' })
    let raw: unknown
    try {
      raw = typeof req.query.filter === 'string' && req.query.filter ? JSON.parse(req.query.filter) : {}
    } catch {
      return void res.status(400).json({ error: '筛选条件格式错误，请刷新页面后重试' })
    }
    const parsed = customerExportFilter.safeParse(raw)
    if (!parsed.success) {
      return void res.status(400).json({ error: `筛选条件无效：${parsed.error.issues[0]?.message ?? '请检查筛选条件'}` })
    }
    res.status(200).set({
      'Content-Type': CONTENT_TYPES[format],
      'Content-Disposition': disposition(exportFilename(deps, format), format),
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    try {
      const rows = await writeCustomerExport(deps, orgId, parsed.data, format, res)
      deps.log.info({ orgId, format, rows }, 'customer export')
    } catch (err) {
      deps.log.error({ err, orgId, format }, 'customer export failed')
      // Headers are gone already: cutting the connection is how the browser learns the file is incomplete.
      if (!res.headersSent) res.status(500).json({ error: '导出失败，请稍后重试' })
      else res.destroy(err as Error)
    }
  })
  return r
}
