import { defineRoute } from '../http/route.js';
import * as s from '../http/schemas.js';

export const loginRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/login',
    summary: 'Log in with username (or email) and password',
    tag: 'login',
    access: 'public',
    form: s.loginForm,
    response: s.token,
    handle: (ctx, { body }) => ctx.auth.login(body.username, body.password),
  }),
];
