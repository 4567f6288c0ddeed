/** A page of a paginated JSON list, about 1 KB serialized: the value every cache row reads. */
export interface Page {
  data: { id: number; title: string; text: string; created_by_user_id: number }[];
  total_count: number;
  has_more: boolean;
  page: number;
  items_per_page: number;
}

/** Page `n`'s value; its JSON is 1,020-1,080 bytes. */
export function makePage(n: number): Page {
  const data = [];
  for (let k = 0; k < 6; k++) {
    data.push({
      id: n * 10 + k,
      title: `Post ${n}-${k} about caching`,
      text: `Body of post ${k} on page ${n}: a few sentences of text, as a JSON API returns them here.`,
      created_by_user_id: n,
    });
  }
  return { data, total_count: 6_000, has_more: true, page: n, items_per_page: 6 };
}
