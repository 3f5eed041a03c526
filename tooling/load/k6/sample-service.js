// k6 script for the sample service (for users who have k6; the repo's own harness is `pnpm --filter
// @sanctum/load load`). Same routes and open model as the harness: a constant arrival rate, every route
// in turn, SLO thresholds from ../slo.json's defaults (k6 thresholds per route tag).
//
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e RATE=20 -e DURATION=60s tooling/load/k6/sample-service.js
import { check } from 'k6';
import http from 'k6/http';
import { randomBytes } from 'k6/crypto';
import exec from 'k6/execution';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const RATE = Number(__ENV.RATE || 20);
const IDS = 25;
const PREFIX = `k6-${Date.now().toString(36)}`;
const AVATAR = randomBytes(16384);
const ROUTES = ['PUT /profiles/:id', 'GET /profiles/:id', 'PUT /avatars/:id', 'GET /avatars/:id', 'POST /events'];

export const options = {
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION || '60s',
      preAllocatedVUs: 20,
      maxVUs: 200,
    },
  },
  thresholds: {
    http_req_failed: ['rate==0'],
    'http_req_duration{route:PUT /profiles/:id}': ['p(50)<50', 'p(99)<500'],
    'http_req_duration{route:GET /profiles/:id}': ['p(50)<50', 'p(99)<500'],
    'http_req_duration{route:PUT /avatars/:id}': ['p(50)<100', 'p(99)<1000'],
    'http_req_duration{route:GET /avatars/:id}': ['p(50)<100', 'p(99)<1000'],
    'http_req_duration{route:POST /events}': ['p(50)<50', 'p(99)<500'],
  },
};

export function setup() {
  for (let i = 0; i < IDS; i += 1) {
    const id = `${PREFIX}-${i}`;
    const p = http.put(`${BASE}/profiles/${id}`, JSON.stringify({ name: `user ${i}` }), { headers: { 'content-type': 'application/json' } });
    const a = http.put(`${BASE}/avatars/${id}`, AVATAR, { headers: { 'content-type': 'image/png' } });
    if (p.status !== 200 || a.status !== 201) throw new Error(`seeding ${id} failed: ${p.status} / ${a.status}`);
  }
}

export default function () {
  const i = exec.scenario.iterationInTest;
  const route = ROUTES[i % ROUTES.length];
  const id = `${PREFIX}-${Math.floor(i / ROUTES.length) % IDS}`;
  const params = { tags: { route } };
  let res;
  if (route === 'PUT /profiles/:id') res = http.put(`${BASE}/profiles/${id}`, JSON.stringify({ name: `user ${i}`, bio: 'k6' }), { ...params, headers: { 'content-type': 'application/json' } });
  else if (route === 'GET /profiles/:id') res = http.get(`${BASE}/profiles/${id}`, params);
  else if (route === 'PUT /avatars/:id') res = http.put(`${BASE}/avatars/${id}`, AVATAR, { ...params, headers: { 'content-type': 'image/png' } });
  else if (route === 'GET /avatars/:id') res = http.get(`${BASE}/avatars/${id}`, params);
  else res = http.post(`${BASE}/events`, JSON.stringify({ subject: id }), { ...params, headers: { 'content-type': 'application/json' } });
  check(res, { '2xx': (r) => r.status >= 200 && r.status < 300 });
}
