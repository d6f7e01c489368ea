import { gt, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { authRevocations, type RevocationKind } from '../../db/schema.ts';
import { err, ok, type Result } from '../../result.ts';

/** The jwt revocations kept in the database, so that a replica started later refuses them too. */

export interface StoredRevocation {
  readonly kind: RevocationKind;
  /** A user id, or a token's key (`tokenKey`). */
  readonly subject: string;
  readonly revokedAtMs: number;
  readonly untilMs: number;
}

export interface RevocationStore {
  /** Keeps a revocation; the same one again widens it (the later of each time), never narrows it. */
  save(revocation: StoredRevocation, nowMs: number): Promise<Result<void, unknown>>;
  /** The revocations still in force at `nowMs`. */
  live(nowMs: number): Promise<Result<StoredRevocation[], unknown>>;
}

export function revocationStore(db: Db): RevocationStore {
  // Nothing else reads an expired row: each write and each load sweeps them out.
  const sweep = (nowMs: number) => db.delete(authRevocations).where(lte(authRevocations.expiresAt, new Date(nowMs)));
  return {
    async save(revocation, nowMs) {
      try {
        await db
          .insert(authRevocations)
          .values({ kind: revocation.kind, subject: revocation.subject, revokedAt: new Date(revocation.revokedAtMs), expiresAt: new Date(revocation.untilMs) })
          .onConflictDoUpdate({
            target: [authRevocations.kind, authRevocations.subject],
            set: {
              revokedAt: sql`greatest(${authRevocations.revokedAt}, excluded.revoked_at)`,
              expiresAt: sql`greatest(${authRevocations.expiresAt}, excluded.expires_at)`,
            },
          });
        await sweep(nowMs);
        return ok(undefined);
      } catch (e) {
        return err(e);
      }
    },
    async live(nowMs) {
      try {
        await sweep(nowMs);
        const rows = await db.select().from(authRevocations).where(gt(authRevocations.expiresAt, new Date(nowMs)));
        return ok(rows.map((r) => ({ kind: r.kind, subject: r.subject, revokedAtMs: r.revokedAt.getTime(), untilMs: r.expiresAt.getTime() })));
      } catch (e) {
        return err(e);
      }
    },
  };
}
