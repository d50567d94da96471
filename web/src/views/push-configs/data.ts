// 推送配置: table columns, the form's defaults and its rules (from the shared push-config schema).
import type { FormRules } from 'element-plus'
import { INTENTION_LEVELS } from '../../../../shared/ingest-events'
import { PUSH_MODE_LABELS, PUSH_MODES, type PushMode } from '../../../../shared/schemas/push-config'
import type { TableColumn } from '../../components/table-column'
import type { PushConfigRow } from '../../stores/push-configs'
import { formatDateTime } from '../../utils/format'

export const levelOptions = INTENTION_LEVELS.map((l) => ({ value: l, label: `${l} 类` }))
export const modeOptions = PUSH_MODES.map((m) => ({ value: m, label: PUSH_MODE_LABELS[m] }))

export function pushConfigColumns(): TableColumn<PushConfigRow>[] {
  return [
    { key: 'template', label: '话术模板', slot: 'template', minWidth: 160 },
    { key: 'levels', label: '意向等级', formatter: (r) => r.intentionLevels.join('、'), width: 130 },
    { key: 'mode', label: '推送方式', formatter: (r) => PUSH_MODE_LABELS[r.pushMode], width: 100 },
    { key: 'employees', label: '推送员工', slot: 'employees', minWidth: 260 },
    { key: 'crm', label: '加入CRM', formatter: (r) => (r.addToCrm ? '是' : '否'), width: 90 },
    { key: 'sms', label: '短信', formatter: (r) => (r.smsEnabled ? `模板 ${r.smsTemplateId}` : '关闭'), width: 120 },
    { key: 'updatedAt', label: '更新时间', formatter: (r) => formatDateTime(r.updatedAt), width: 170 },
    { key: 'actions', label: '操作', slot: 'actions', width: 130, fixed: 'right' },
  ]
}

export function emptyPushConfigForm() {
  return {
    id: 0,
    isDefault: false,
    scriptTemplateId: '',
    scriptTemplateName: '',
    intentionLevels: ['A', 'B'] as string[],
    pushMode: 'round_robin' as PushMode,
    employeeIds: [] as number[],
    addToCrm: false,
    smsEnabled: false,
    smsTemplateId: '',
  }
}
export type PushConfigForm = ReturnType<typeof emptyPushConfigForm>

export function pushConfigFormRules(form: PushConfigForm): FormRules {
  return {
    scriptTemplateId: [
      {
        validator: (_r, v: string, cb) => (!form.isDefault && !v.trim() ? cb(new Error('请填写话术模板 ID（或选择默认设置）')) : cb()),
        trigger: 'blur',
      },
    ],
    intentionLevels: [{ type: 'array', required: true, min: 1, message: '请至少选择一个意向等级', trigger: 'change' }],
    employeeIds: [
      {
        validator: (_r, v: number[], cb) => (form.pushMode !== 'none' && v.length === 0 ? cb(new Error('请至少选择一名推送员工')) : cb()),
        trigger: 'change',
      },
    ],
    smsTemplateId: [
      {
        validator: (_r, v: string, cb) =>
          form.smsEnabled && !/^\d{1,20}$/.test(v.trim()) ? cb(new Error('开启短信时请填写数字短信模板 ID')) : cb(),
        trigger: 'blur',
      },
    ],
  }
}
