// The SQLite statement cache: same SQL → same statement, busy statements not shared, bounded size, queries still right.
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, type Generated } from 'kysely'
import { describe, expect, it } from 'vitest'
import { withStatementCache } from './sqlite-statements'

describe('withStatementCache', () => {
  it('reuses statements, never hands out one that is mid-iteration, and stays bounded', () => {
    const raw = new BetterSqlite3(':memory:')
    const db = withStatementCache(raw, 3)
    raw.exec('create table t (id integer primary key, v text)')
    const a = db.prepare('select * from t')
    expect(db.prepare('select * from t')).toBe(a)

    raw.prepare('insert into t (v) values (?), (?)').run('x', 'y')
    const it = (a as BetterSqlite3.Statement).iterate()
    it.next()
    const during = db.prepare('select * from t')
    expect(during).not.toBe(a)
    expect(during.all([])).toHaveLength(2)
    it.return?.()
    expect(db.prepare('select * from t')).toBe(a)

    for (const n of [1, 2, 3]) db.prepare(`select ${n}`)
    expect(db.prepare('select * from t')).not.toBe(a)
    db.close()
  })

  it('gives Kysely the same answers', async () => {
    const db = new Kysely<{ t: { id: Generated<number>; v: string } }>({
      dialect: new SqliteDialect({ database: withStatementCache(new BetterSqlite3(':memory:')) }),
    })
    await db.schema
      .createTable('t')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('v', 'text')
      .execute()
    for (const v of ['a', 'b', 'c']) await db.insertInto('t').values({ v }).execute()
    const rows = await db.selectFrom('t').select('v').where('id', '>', 1).orderBy('id').execute()
    expect(rows).toEqual([{ v: 'b' }, { v: 'c' }])
    expect(await db.selectFrom('t').select('v').where('id', '>', 2).execute()).toEqual([{ v: 'c' }])
    await db.destroy()
  })
})
