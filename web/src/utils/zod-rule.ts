// Turns a shared zod field schema into an element-plus form rule, so web and server validate alike.
import type { FormItemRule } from 'element-plus'
import type { ZodType } from 'zod'

/** One rule that runs `schema` on the field's value and reports its first issue's message. */
export function zodRule(schema: ZodType, trigger: FormItemRule['trigger'] = 'blur'): FormItemRule {
  return {
    trigger,
    validator: (_rule, value, callback) => {
      const result = schema.safeParse(value)
      if (result.success) callback()
      else callback(new Error(result.error.issues[0]?.message ?? '输入无效'))
    },
  }
}

/** Rules for several fields of one object schema: `zodRules(loginInput.shape, ['username', 'password'])`. */
export function zodRules<S extends Record<string, ZodType>, K extends keyof S & string>(
  shape: S,
  keys: readonly K[],
): Record<K, FormItemRule[]> {
  return Object.fromEntries(keys.map((k) => [k, [zodRule(shape[k])]])) as Record<K, FormItemRule[]>
}
