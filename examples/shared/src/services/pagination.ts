/** A page of a list, in the original's paginated response shape. */
export interface Page<T> {
  data: T[];
  total_count: number;
  has_more: boolean;
  page: number;
  items_per_page: number;
}

export interface PageRequest {
  page: number;
  items_per_page: number;
}

/** SQL offset and limit of a page request. */
export function pageBounds({ page, items_per_page }: PageRequest): {
  offset: number;
  limit: number;
} {
  return { offset: (page - 1) * items_per_page, limit: items_per_page };
}

export function toPage<T>(data: T[], total: number, request: PageRequest): Page<T> {
  return {
    data,
    total_count: total,
    has_more: request.page * request.items_per_page < total,
    page: request.page,
    items_per_page: request.items_per_page,
  };
}
