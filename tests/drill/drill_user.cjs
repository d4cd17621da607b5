// The API-change drill, Node side (tests/drill/README.md): user code for the regenerated
// package assembled in the drill's copy. Arguments: PKG URL APP_ID WIDGET_ID. Prints one JSON line.
const [pkg, url, appId, widgetId] = process.argv.slice(2);
const sdk = require(pkg);

async function main() {
  const client = new sdk.KontextManagementClient({
    baseUrl: url,
    credentials: { clientId: 'sa_11111111-1111-4111-8111-111111111111', clientSecret: 'kontext-emulator-secret' },
  });
  // The new optional field on Application (plain objects: it round-trips through JSON).
  const { application } = await client.applications.get(appId);
  const encoded = JSON.parse(JSON.stringify(application));
  // The new operation of the new tag, with its new schema.
  let error = 'none';
  let status = 0;
  try {
    await client.widgets.spin(widgetId, { speed: 3, direction: 'clockwise' });
  } catch (e) {
    if (!(e instanceof sdk.NotFound)) throw e;
    error = e.name;
    status = e.statusCode;
  }
  const op = sdk.OPERATIONS.find((o) => o.id === 'widgets_spin');
  console.log(JSON.stringify({
    language: 'node', color: application.color, encodedColor: encoded.color, decodedColor: encoded.color,
    error, status, operation: op && [op.httpMethod, op.path],
  }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
