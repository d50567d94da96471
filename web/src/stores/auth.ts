// The signed-in admin: who they are, login/logout, password change and the super admin's org switch.
import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import type { Me } from '../../../shared/schemas/auth'
import { trpc, type RouterInputs } from '../trpc'

export const useAuthStore = defineStore('auth', () => {
  const me = ref<Me | null>(null)
  /** True once `auth.me` has answered (or failed) at least once. */
  const loaded = ref(false)
  const loggingIn = ref(false)
  const loggingOut = ref(false)
  const switchingOrg = ref(false)
  const changingPassword = ref(false)

  const isSuperAdmin = computed(() => me.value?.role === 'super_admin')
  const actingOrgId = computed(() => me.value?.actingOrgId ?? null)
  const actingOrgName = computed(() => me.value?.actingOrgName ?? me.value?.orgName ?? null)
  /** A super admin who has not picked an org yet cannot open tenant pages. */
  const needsOrg = computed(() => !!me.value && me.value.actingOrgId === null)

  let inFlight: Promise<Me | null> | null = null

  /** Loads the session once (concurrent callers share the request); `force` asks again. */
  function fetchMe(force = false): Promise<Me | null> {
    if (loaded.value && !force) return Promise.resolve(me.value)
    inFlight ??= trpc.auth.me
      .query()
      .then((user) => {
        me.value = user
        return user
      })
      .finally(() => {
        loaded.value = true
        inFlight = null
      })
    return inFlight
  }

  async function login(input: RouterInputs['auth']['login']): Promise<Me> {
    loggingIn.value = true
    try {
      const { user } = await trpc.auth.login.mutate(input)
      me.value = user
      loaded.value = true
      return user
    } finally {
      loggingIn.value = false
    }
  }

  async function logout(): Promise<void> {
    loggingOut.value = true
    try {
      await trpc.auth.logout.mutate()
    } finally {
      // Even if the call fails (session already gone) the browser forgets the user.
      clear()
      loggingOut.value = false
    }
  }

  async function switchOrg(orgId: number): Promise<Me> {
    switchingOrg.value = true
    try {
      const user = await trpc.auth.switchOrg.mutate({ orgId })
      me.value = user
      return user
    } finally {
      switchingOrg.value = false
    }
  }

  async function changePassword(input: RouterInputs['auth']['changePassword']): Promise<void> {
    changingPassword.value = true
    try {
      await trpc.auth.changePassword.mutate(input)
    } finally {
      changingPassword.value = false
    }
  }

  function clear(): void {
    me.value = null
    loaded.value = true
  }

  return {
    me,
    loaded,
    loggingIn,
    loggingOut,
    switchingOrg,
    changingPassword,
    isSuperAdmin,
    actingOrgId,
    actingOrgName,
    needsOrg,
    fetchMe,
    login,
    logout,
    switchOrg,
    changePassword,
    clear,
  }
})
