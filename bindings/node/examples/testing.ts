// The test kit's typings, used as a user's test would (checked by `tsc --strict`, test/types.test.mjs).
import { Emulator, EmulatorError, type EmulatorOptions, type LoggedRequest } from 'kontext-mgmt/testing';
import { ServerError } from 'kontext-mgmt';

export async function kitUsage(): Promise<number> {
  const options: EmulatorOptions = { seed: { applications: [{ name: 'seeded' }] }, rateLimit: 0, tokenTtl: 60 };
  const emu = await Emulator.start(options);
  try {
    const { credentials } = await emu.createServiceAccount('ci-bot', 'for tests');
    const client = emu.client({ credentials: { clientId: credentials.clientId, clientSecret: credentials.clientSecret } });
    emu.setFaults({ script: [{ path: '/api/v1/applications', status: 503, count: 1 }] });
    const page = await client.applications.list();
    const log: LoggedRequest[] = emu.requests(10);
    const posted: number = log.filter((r) => r.method === 'POST').length;
    const token: string = emu.mintToken({ scope: 'mcp:invoke' });
    emu.reset();
    const minted: number = emu.stats().tokensMinted;
    // @ts-expect-error: an unknown option
    await Emulator.start({ seeds: {} }).catch((e: unknown) => e instanceof EmulatorError);
    // @ts-expect-error: the request log's entries are typed
    const wrong: string = emu.requests()[0].status;
    void wrong;
    void token;
    return page.items.length + posted + minted;
  } catch (e) {
    if (e instanceof ServerError) return -1;
    throw e;
  } finally {
    await emu[Symbol.asyncDispose]();
  }
}
