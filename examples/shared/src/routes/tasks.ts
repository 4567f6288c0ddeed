import { z } from 'zod';
import { defineRoute } from '../http/route.js';
import * as s from '../http/schemas.js';

export const taskRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/tasks/task',
    summary: 'Queue a background task (rate limited by tier)',
    tag: 'tasks',
    access: 'public',
    status: 201,
    query: s.taskQuery,
    response: s.taskCreated,
    rateLimited: true,
    handle: (ctx, { query }) => ctx.tasks.enqueue(query.message),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/tasks/task/:task_id',
    summary: 'Status and result of a background task',
    tag: 'tasks',
    access: 'public',
    params: z.object({ task_id: z.string().max(100) }),
    response: s.taskRead,
    handle: (ctx, { params }) => ctx.tasks.get(params.task_id),
  }),
];
