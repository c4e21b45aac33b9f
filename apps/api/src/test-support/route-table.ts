import request from 'supertest';
import type { Express } from 'express';
import { API_PREFIX, ROUTES, type RouteName, type RouteSpec } from '@gatehouse/shared';

/** Every route of the shared table that needs a signed-in caller. */
export const SIGNED_IN_ROUTES = (Object.entries(ROUTES) as [RouteName, RouteSpec][]).filter(([, spec]) => spec.auth !== 'none');

const SOME_UUID = '0b7f6a52-3c1e-4d7e-9a8b-2f0c4e5d6a71';

/** Calls a route of the table with a Bearer token: path parameters filled in, an empty JSON body. */
export const callRoute = (app: Express, spec: RouteSpec, token: string) =>
  request(app)
    [spec.method](API_PREFIX + spec.path.replace(/:id\b/g, SOME_UUID).replace(/:name\b/g, 'Test'))
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', 'application/json')
    .send(spec.method === 'get' ? undefined : '{}');
