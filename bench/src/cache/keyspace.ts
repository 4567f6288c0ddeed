/**
 * The invalidation keyspace, in the reference decorator's key shapes: each user has 10 list
 * pages (`alice_posts:page_3:items_per_page:10:alice`, what a write to alice's posts
 * invalidates with the pattern `alice_posts:*`) and the rest single posts
 * (`alice_post_cache:5`), so one user's pattern matches exactly 10 of the keys.
 */
export const LIST_PAGES_PER_USER = 10;

export function userName(u: number): string {
  return `user${u}`;
}

/** The route's key template's parameters for list page `p` of user `u`. */
export function listPageParams(u: number, p: number): Record<string, string | number> {
  return { username: userName(u), page: p, items_per_page: 10 };
}

/** The key of list page `p` of user `u`, without any store prefix. */
export function listPageKey(u: number, p: number): string {
  const user = userName(u);
  return `${user}_posts:page_${p}:items_per_page:10:${user}`;
}

/** The key of post `id` of user `u`, without any store prefix. */
export function postKey(u: number, id: number): string {
  return `${userName(u)}_post_cache:${id}`;
}

/** The pattern a write to user `u`'s posts invalidates, without any store prefix. */
export function userPattern(u: number): string {
  return `${userName(u)}_posts:*`;
}

/** A single post's cached JSON, about 150 bytes: most of the million keys are these. */
export function postValue(u: number, id: number): string {
  return JSON.stringify({
    id,
    title: `Post ${id}`,
    text: 'A short post body, cached on its own.',
    created_by_user_id: u,
  });
}
