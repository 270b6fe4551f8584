// The agent's one git repository is used by three writers: reactions (plan), the periodic plan and the
// restart records. Each opens the repository (which clears kopt's leftover temp files), fetches and commits,
// so two at once could delete each other's files or race on a fetch: the lock runs them one at a time.
export type RepoLock = <T>(work: () => Promise<T>) => Promise<T>;

/** A FIFO mutex: each piece of work starts when the one before it has settled, whether it failed or not. */
export function createRepoLock(): RepoLock {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const run = tail.then(work);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** No lock: for a part used alone (tests, one-off runs). */
export const NO_LOCK: RepoLock = (work) => work();
