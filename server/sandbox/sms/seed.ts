// The SMS emulator's fixed starting point: one API key, one SMS app, an approved signature and templates for the demo.
import type { SmsWorld } from './state'

export const DEMO_SMS = {
  secretId: 'AKIDsandboxSms000000000000000000001',
  secretKey: 'sandboxSmsSecretKey0000000000001',
  smsSdkAppId: '1400000001',
  signName: '示例诊所',
  /** {1} code, {2} minutes */
  codeTemplateId: '2000001',
  /** {1} what, {2} when */
  noticeTemplateId: '2000002',
  /** submitted, not yet reviewed */
  pendingTemplateId: '2000003',
} as const

export function seedSms(world: SmsWorld): void {
  world.keys.set(DEMO_SMS.secretId, { secretId: DEMO_SMS.secretId, secretKey: DEMO_SMS.secretKey, appIds: new Set([DEMO_SMS.smsSdkAppId]) })
  world.apps.set(DEMO_SMS.smsSdkAppId, {
    smsSdkAppId: DEMO_SMS.smsSdkAppId,
    name: '员工绑定',
    signs: new Map([
      [DEMO_SMS.signName, 'approved'],
      ['示例诊所测试', 'pending'],
    ]),
    templates: new Map([
      [
        DEMO_SMS.codeTemplateId,
        {
          id: DEMO_SMS.codeTemplateId,
          content: '{1}为您的绑定验证码，请于{2}分钟内填写。如非本人操作，请忽略本短信。',
          kind: 'code',
          status: 'approved',
        },
      ],
      [
        DEMO_SMS.noticeTemplateId,
        { id: DEMO_SMS.noticeTemplateId, content: '您的账号已绑定{1}，绑定时间{2}。', kind: 'notice', status: 'approved' },
      ],
      [
        DEMO_SMS.pendingTemplateId,
        { id: DEMO_SMS.pendingTemplateId, content: '您的验证码为{1}，请勿泄露。', kind: 'code', status: 'pending' },
      ],
    ]),
  })
}
