// The Cedar policy workflow with ETags, type-checked by `tsc --strict` in the tests.
import { type KontextManagementClient, PreconditionFailed, UnprocessableEntity } from 'kontext-mgmt';

export async function policyWorkflow(client: KontextManagementClient): Promise<string[]> {
  const { valid } = await client.policies.validate({ policyText: 'permit(principal, action, resource);' });
  console.log('valid:', valid);
  try {
    await client.policies.putPolicy({ policyText: 'permitt(principal, action, resource);' }, { ifNoneMatch: '*' });
  } catch (e) {
    if (!(e instanceof UnprocessableEntity)) throw e;
    for (const d of e.diagnostics) console.log('invalid:', d.policyId, d.start, d.end, d.message);
  }

  const deployment = await client.policies.getDeployment(); // .etag: the version you read
  const [template] = (await client.policies.listRuleTemplates()).items;
  const added = await client.policies.applyAction({ action: 'add', templateId: template.id }, { ifMatch: deployment.etag });
  const observed = added.observing.policies?.at(-1)?.policyId; // observe first: replay shows its effect
  if (observed === undefined) throw new Error('the added policy is not in the observing slot');

  try {
    // A second writer with the old etag loses and changes nothing.
    await client.policies.applyAction({ action: 'stop', policyId: observed }, { ifMatch: deployment.etag });
  } catch (e) {
    if (!(e instanceof PreconditionFailed)) throw e;
    console.log('stale:', e.statusCode);
  }
  const current = await client.policies.getDeployment(); // read again, then act on the new etag
  const enforced = await client.policies.applyAction({ action: 'enforce', policyId: observed }, { ifMatch: current.etag });
  return (enforced.enforced.policies ?? []).map((p) => p.policyId);
}
