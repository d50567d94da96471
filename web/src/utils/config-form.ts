// The life of a 配置 page's form: the saved config loaded into it on mount, validate → save → refill from what was stored.
import { onMounted, ref } from 'vue'
import type { FormInstance } from 'element-plus'
import { notifyError, notifySuccess } from './notify'

export interface ConfigFormOptions {
  /** Reads the saved config into the store (and clears the last 测试 result). */
  load(): Promise<void>
  /** The form's values for the config as the store now holds it (secrets blank: blank keeps them). */
  values(): object
  /** Stores the form's values. */
  submit(): Promise<void>
  /** The toast after a save, e.g. 「短信配置已保存」. */
  savedMessage: string
  /** After the first load, whatever it succeeded or not (e.g. the account's templates). */
  afterLoad?(): Promise<void>
  /** After a save that succeeded (e.g. close a panel, reload templates). */
  afterSave?(): void | Promise<void>
}

export function useConfigForm(form: object, opts: ConfigFormOptions) {
  const formRef = ref<FormInstance>()

  function fillForm() {
    Object.assign(form, opts.values())
    formRef.value?.clearValidate()
  }

  onMounted(async () => {
    try {
      await opts.load()
      fillForm()
    } catch (err) {
      notifyError(err)
    }
    await opts.afterLoad?.()
  })

  async function save() {
    if (!(await formRef.value?.validate().catch(() => false))) return
    try {
      await opts.submit()
      notifySuccess(opts.savedMessage)
      fillForm()
    } catch (err) {
      notifyError(err)
      return
    }
    await opts.afterSave?.()
  }

  return { formRef, fillForm, save }
}
