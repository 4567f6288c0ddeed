import { z } from 'zod';
import { defineRoute } from '../http/route.js';
import * as s from '../http/schemas.js';

const byUser = z.object({ username: z.string() });
const byPost = z.object({ username: z.string(), id: s.intString() });

// The original's cache keys: a user's list pages for 60 s, each post for an hour. Every write
// drops the post's own key and all of the user's list pages (the original forgot the create).
const listPages = '{username}_posts:*';
const postKey = { keyPrefix: '{username}_post_cache', resourceIdName: 'id' };

export const postRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/:username/post',
    summary: 'Write a post',
    tag: 'posts',
    access: 'user',
    status: 201,
    params: byUser,
    body: s.postCreate,
    response: s.postRead,
    cache: {
      keyPrefix: '{username}_posts',
      resourceIdName: 'username',
      patternToInvalidateExtra: [listPages],
    },
    handle: (ctx, { params, body, user }) => ctx.services.posts.create(user, params.username, body),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/:username/posts',
    summary: "A user's posts (cached 60 s)",
    tag: 'posts',
    access: 'public',
    params: byUser,
    query: s.pageQuery,
    response: s.paginated(s.postRead),
    cache: {
      keyPrefix: '{username}_posts:page_{page}:items_per_page:{items_per_page}',
      resourceIdName: 'username',
      expiration: 60,
      defaults: { page: 1, items_per_page: 10 },
    },
    handle: (ctx, { params, query }) => ctx.services.posts.list(params.username, query),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/:username/post/:id',
    summary: 'Read a post (cached 1 h)',
    tag: 'posts',
    access: 'public',
    params: byPost,
    response: s.postRead,
    cache: { ...postKey, expiration: 3600 },
    handle: (ctx, { params }) => ctx.services.posts.get(params.username, params.id),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/:username/post/:id',
    summary: 'Update your post',
    tag: 'posts',
    access: 'user',
    params: byPost,
    body: s.postUpdate,
    response: s.message,
    cache: { ...postKey, patternToInvalidateExtra: [listPages] },
    handle: async (ctx, { params, body, user }) => {
      await ctx.services.posts.update(user, params.username, params.id, body);
      return { message: 'Post updated' };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/:username/post/:id',
    summary: 'Delete your post (soft delete)',
    tag: 'posts',
    access: 'user',
    params: byPost,
    response: s.message,
    cache: { ...postKey, patternToInvalidateExtra: [listPages] },
    handle: async (ctx, { params, user }) => {
      await ctx.services.posts.softDelete(user, params.username, params.id);
      return { message: 'Post deleted' };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/:username/db_post/:id',
    summary: 'Delete a post from the database (superuser)',
    tag: 'posts',
    access: 'superuser',
    params: byPost,
    response: s.message,
    cache: { ...postKey, patternToInvalidateExtra: [listPages] },
    handle: async (ctx, { params }) => {
      await ctx.services.posts.hardDelete(params.username, params.id);
      return { message: 'Post deleted from the database' };
    },
  }),
];
