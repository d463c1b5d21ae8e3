import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

let h: Harness;
let alice: Client;
beforeAll(async () => {
  h = await startHarness('openapicards');
  alice = await registerUser(h.app, 'alice');
});
afterAll(async () => h?.close());

/** Every route of cards is in the OpenAPI document, described, with its bodies and answers. */
const routes: [string, string][] = [
  ['get', '/api/tasks/{id}/comments'],
  ['post', '/api/tasks/{id}/comments'],
  ['patch', '/api/comments/{id}'],
  ['delete', '/api/comments/{id}'],
  ['put', '/api/comments/{id}/task-items/{index}'],
  ['put', '/api/tasks/{id}/task-items/{index}'],
  ['put', '/api/tasks/{id}/labels/{labelId}'],
  ['delete', '/api/tasks/{id}/labels/{labelId}'],
  ['get', '/api/tasks/{id}/history'],
  ['get', '/api/tasks/{id}/checklists'],
  ['post', '/api/tasks/{id}/checklists'],
  ['patch', '/api/checklists/{id}'],
  ['delete', '/api/checklists/{id}'],
  ['post', '/api/checklists/{id}/items'],
  ['patch', '/api/checklist-items/{id}'],
  ['delete', '/api/checklist-items/{id}'],
  ['post', '/api/checklist-items/{id}/convert'],
  ['post', '/api/tasks/{id}/copy'],
  ['post', '/api/attachments'],
  ['get', '/api/attachments/{id}'],
  ['get', '/api/attachments/{id}/thumbnail'],
  ['delete', '/api/attachments/{id}'],
  ['get', '/api/tasks/{id}/attachments'],
  ['put', '/api/tasks/{id}/cover'],
  ['delete', '/api/tasks/{id}/cover'],
  ['post', '/api/tasks/{id}/move'],
  ['get', '/api/boards/{id}/labels'],
  ['post', '/api/boards/{id}/labels'],
  ['patch', '/api/boards/{id}/labels/{labelId}'],
  ['delete', '/api/boards/{id}/labels/{labelId}'],
  ['get', '/api/boards/{id}/custom-fields'],
  ['post', '/api/boards/{id}/custom-fields'],
  ['patch', '/api/boards/{id}/custom-fields/{fieldId}'],
  ['delete', '/api/boards/{id}/custom-fields/{fieldId}'],
  ['get', '/api/boards/{id}/activity'],
  ['get', '/api/boards/{id}/archived'],
  ['get', '/api/boards/{id}/trash'],
  ['delete', '/api/boards/{id}/trash'],
  ['post', '/api/boards/{id}/trash/{taskId}/restore'],
  ['delete', '/api/boards/{id}/trash/{taskId}'],
];

describe('OpenAPI for cards', () => {
  it('documents every route with a summary, its body and its answers', async () => {
    const doc = (await alice.get('/api/openapi.json')).body;
    for (const [method, path] of routes) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.summary, `${method} ${path}`).toMatch(/\w/);
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      const ok = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      expect(ok.length, `${method} ${path}`).toBe(1);
      expect(op.responses['404'], `${method} ${path}`).toBeDefined();
      if (['post', 'patch'].includes(method) && !path.endsWith('/restore')) {
        expect(op.requestBody, `${method} ${path}`).toBeDefined();
      }
    }
    const task = doc.paths['/api/tasks/{id}'].patch.requestBody.content['application/json'].schema;
    for (const field of ['status', 'label_ids', 'due', 'start_date', 'custom_fields', 'archived']) {
      expect(task.properties, field).toHaveProperty(field);
    }
  });
});
