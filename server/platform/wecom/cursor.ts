// Walks WeCom's next_cursor paging; a cursor that comes back twice is a platform bug, not a reason to loop forever.
export async function* walkCursor<P extends { next_cursor?: string }>(
  fetchPage: (cursor: string | undefined) => Promise<P>,
): AsyncGenerator<P> {
  const seen = new Set<string>()
  let cursor: string | undefined
  do {
    const page = await fetchPage(cursor)
    yield page
    cursor = page.next_cursor || undefined
    if (cursor !== undefined) {
      if (seen.has(cursor)) throw new Error(`paging cursor repeated: ${cursor}`)
      seen.add(cursor)
    }
  } while (cursor !== undefined)
}
