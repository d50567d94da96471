// The table as code: each scene's 站内信 title/content/jump, WeChat message type/text and SMS parameters, from its variables.
import type { Scene } from '../../../shared/schemas/notify'

/** Beijing time has been UTC+8 all year since 1991, so a fixed offset gives its clock and calendar. */
export const BEIJING_OFFSET_MS = 8 * 3600_000

/** 'YYYY-MM-DD HH:mm:ss' in Beijing time. */
export function beijingDateTime(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ')
}

/** 'YYYY-MM-DD' in Beijing time. */
export function beijingDate(ms: number): string {
  return beijingDateTime(ms).slice(0, 10)
}

/** 100 → '100', 99.5 → '99.50': the yuan as the texts show it. */
export function yuan(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2)
}

/** Everything a scene's texts and a template mapping can name; absent values are simply not available. */
export interface SceneVars {
  org_name: string
  /** epoch ms: when the alert was raised */
  time: number
  customer_phone?: string
  customer_name?: string
  level?: string
  balance?: number
  threshold?: number
  amount?: number
  /** epoch ms */
  expiry_at?: number
  total?: number
  /** epoch ms */
  batch_at?: number
  run?: number
  announcement_title?: string
  announcement_content?: string
  /** 通知编号 (NT<notification id>), known once the notification exists */
  serial?: string
  /** the calling system's call-detail page (意向客户) */
  detail_url?: string
}

export interface SceneTexts {
  title: string
  content: string
  jumpLabel: string
  /** Where the 站内信 leads; empty when the target lives in the calling system and no URL came with the event. */
  jumpUrl: string
  /** WeChat keyword2 (消息类型) and keyword3 (推送内容). */
  wxTitle: string
  wxContent: string
  /** The SMS template's parameters, in order (null: the scene sends no SMS). */
  smsParams: string[] | null
}

export function sceneTexts(scene: Scene, v: SceneVars): SceneTexts {
  const name = v.org_name
  switch (scene) {
    case 'intent': {
      const title = `${v.level ?? ''}类意向客户`
      const content = `客户号码：${v.customer_phone ?? ''}，点击查看详细通话记录，及时进行客户跟进`
      return same(title, content, '通话记录', v.detail_url ?? '', [v.level ?? '', v.customer_phone ?? ''])
    }
    case 'task_complete':
      return {
        title: '任务完成',
        content: `您在${beijingDateTime(v.batch_at ?? v.time).slice(0, 16)}创建的${v.total ?? 0}通号码的外呼任务已完成，请登录系统查看外呼结果。`,
        jumpLabel: '呼叫中心',
        jumpUrl: '',
        wxTitle: '任务完成',
        wxContent: '您的外呼任务已完成哦！请登录系统查看外呼结果',
        smsParams: null,
      }
    case 'unanswered_run':
      return same('连续未接通警报', `您的外呼任务出现连续${v.run ?? 100}通电话未接通，请点击查看`, '通话记录', '', null)
    case 'line_error':
      return same(
        '线路报错',
        `您的外呼任务出现连续${v.run ?? 100}通电话线路报错的问题，请点击查看具体报错信息，并联系您的线路提供商`,
        '通话记录',
        '',
        null,
      )
    case 'announcement': {
      const content = `${[...(v.announcement_content ?? '')].slice(0, 50).join('')}登录系统查看详情`
      return same(v.announcement_title ?? '公告', content, '公告列表', '/announcements', null)
    }
    case 'low_balance': {
      const t = yuan(v.threshold ?? 0)
      const content = `尊敬的${name}，您的账户余额已不足￥${t}，为了不影响您的外呼任务，请及时充值。详情请登录后台费用中心进行查看，感谢您的使用。`
      return same('余额不足', content, '财务中心', '', [name, t])
    }
    case 'recharge': {
      const b = yuan(v.balance ?? 0)
      return same('充值到账', `尊敬的${name}，您的充值已成功，您的账户当前余额￥${b}。`, '财务中心', '', [name, b])
    }
    case 'expiry':
      return {
        title: '账户到期预警',
        content: `尊敬的${name}，您的账户即将到期，请联系您的销售经理进行延期。`,
        jumpLabel: '个人中心',
        jumpUrl: '',
        wxTitle: '账户到期',
        wxContent: `尊敬的${name}，您的账户即将到期，请联系您的销售经理进行延期。`,
        smsParams: [name],
      }
  }
}

function same(title: string, content: string, jumpLabel: string, jumpUrl: string, smsParams: string[] | null): SceneTexts {
  return { title, content, jumpLabel, jumpUrl, wxTitle: title, wxContent: content, smsParams }
}
