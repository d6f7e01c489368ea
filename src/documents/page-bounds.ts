/**
 * How much one list page may hold. The contract (routes.ts) states these and the service applies them.
 *
 * The byte bound is a fixed amount, not a multiple of --max-body: it is there to bound the memory one list
 * costs, and an operator who raises the body limit to accept large documents should not also make every
 * page larger. A document larger than the bound still comes back, alone on its page.
 */
export const PAGE_MAX_BYTES = 4 * 1024 * 1024;
