// The API-change drill, TypeScript side: the regenerated index.d.ts must type the new
// operation, schema and field (`tsc --strict --noEmit`).
import { type KontextManagementClient, NotFound } from './index';
import type { Application, SpinDirection, SpinRequest, SpinResult } from './index';

export async function drill(c: KontextManagementClient, appId: string): Promise<string | number> {
  const app: Application = (await c.applications.get(appId)).application;
  const color: string | null | undefined = app.color;
  if (color === 'none') return color;
  const direction: SpinDirection = 'clockwise';
  const req: SpinRequest = { speed: 3, direction };
  try {
    const r: SpinResult = await c.widgets.spin('w', req);
    return r.rpm;
  } catch (e) {
    if (e instanceof NotFound) return e.statusCode;
    throw e;
  }
}

// @ts-expect-error: speed is required
export const bad: SpinRequest = { direction: 'clockwise' };
