#!/usr/bin/env node
// Drive the official Sinch Node SDK (@sinch/sms 1.4.0 with @sinch/sdk-core 1.4.0, pinned in
// package-lock.json) through all seven Groups operations against a server, for
// tests/node_clients.rs.
//
// Environment: GROUPCHECK_URL, the server's origin (http://127.0.0.1:PORT, no /xms/v1/...), and
// GROUPCHECK_TOKEN, its Bearer token. The SDK runs in service-plan mode (servicePlanId + apiToken)
// with smsHostname = GROUPCHECK_URL; it then calls {URL}/xms/v1/{servicePlanId}/groups...
// (@sinch/sms dist/rest/v1/groups/groups-api.js). A fresh random service plan starts empty on the
// emulator, so list results are exact.
//
// Prints "ok ..." per step and, last, "RESULT {json}": what each operation observed, which the
// Rust test asserts. Exits 1 on an unexpected answer, 3 when the SDK is not installed.

'use strict';

const INSTALL_HINT = 'run scripts/test (it runs `npm ci --prefix tests/node`)';

let SmsService;
let sdkVersions;
try {
  ({ SmsService } = require('@sinch/sms'));
  // The packages' exports hide package.json from require(): read it from the install.
  const version = (name) =>
    JSON.parse(
      require('fs').readFileSync(
        require('path').join(__dirname, 'node_modules', name, 'package.json'),
        'utf8',
      ),
    ).version;
  sdkVersions = { sms: version('@sinch/sms'), core: version('@sinch/sdk-core') };
} catch (e) {
  console.log(`FAIL: cannot load the Sinch Node SDK (${e.message}); ${INSTALL_HINT}`);
  process.exit(3);
}

const url = process.env.GROUPCHECK_URL;
const token = process.env.GROUPCHECK_TOKEN;
if (!url || !token) {
  console.log('usage: GROUPCHECK_URL=http://127.0.0.1:PORT GROUPCHECK_TOKEN=T node groups.js');
  process.exit(2);
}

const result = { sdk: sdkVersions };

function ok(step) {
  console.log(`ok   ${step}`);
}

function check(condition, step, detail) {
  if (!condition) {
    throw new Error(`${step}: ${detail}`);
  }
}

/** The HTTP status of an SDK error (RequestFailedError carries statusCode), or throw. */
async function statusOfFailure(promise, step) {
  try {
    const answer = await promise;
    throw new Error(`${step}: expected the SDK to fail, it returned ${JSON.stringify(answer)}`);
  } catch (e) {
    if (e.statusCode === undefined) {
      throw e;
    }
    return e.statusCode;
  }
}

function client(plan, apiToken) {
  return new SmsService({ servicePlanId: plan, apiToken, smsHostname: url.replace(/\/+$/, '') })
    .groups;
}

async function run() {
  const plan = 'node' + Math.random().toString(16).slice(2, 14);
  const groups = client(plan, token);

  // 1. Create: mixed spellings and a duplicate; size counts unique members.
  const created = await groups.create({
    createGroupRequestBody: {
      name: 'Node SDK group',
      members: ['+46701234567', '0046701234567', '46 70 123 45 68', '+46-70-123-45-69'],
    },
  });
  result.create = { id: created.id, name: created.name, size: created.size };
  check(created.size === 3, 'create', `size ${created.size}, expected 3`);
  ok(`create: id ${created.id}, size 3`);
  const id = created.id;

  // 2. Retrieve.
  const got = await groups.get({ group_id: id });
  result.get = { id: got.id, name: got.name, size: got.size };
  check(got.id === id && got.size === 3, 'get', JSON.stringify(got));
  ok('get: the created group');

  // 3. List: newest first.
  const other = await groups.create({
    createGroupRequestBody: { name: 'Newer group', members: ['+12015550100'] },
  });
  const page = await groups.list({ page_size: 10 });
  result.list = { ids: page.data.map((g) => g.id), expected: [other.id, id] };
  check(
    JSON.stringify(result.list.ids) === JSON.stringify(result.list.expected),
    'list',
    `ids ${JSON.stringify(result.list.ids)}, expected newest first`,
  );
  ok('list: both groups, newest first');

  // 4. Update: adds before removes, then `name: null` clears the name (documented).
  const updated = await groups.update({
    group_id: id,
    updateGroupRequestBody: {
      add: ['+46701234570', '+46701234571'],
      remove: ['0046701234571', '46701234567'],
    },
  });
  result.update = { size: updated.size, name: updated.name };
  check(updated.size === 3, 'update', `size ${updated.size}, expected 3`);
  check(updated.name === 'Node SDK group', 'update', `name ${updated.name} changed without name`);
  const cleared = await groups.update({ group_id: id, updateGroupRequestBody: { name: null } });
  result.update_name_null = { name: cleared.name === undefined ? null : cleared.name };
  check(result.update_name_null.name === null, 'update name null', `name ${cleared.name}`);
  ok('update: add before remove, size 3; name: null cleared the name');

  // 5. Members: normalised, without + or 00.
  const members = (await groups.listMembers({ group_id: id })).slice().sort();
  result.members = members;
  check(
    JSON.stringify(members) === JSON.stringify(['46701234568', '46701234569', '46701234570']),
    'listMembers',
    JSON.stringify(members),
  );
  ok('listMembers: numbers without + or 00');

  // 6. Replace: members and name.
  const replaced = await groups.replace({
    group_id: id,
    replaceGroupRequestBody: { name: 'Replaced', members: ['+12018881111', '0012018882222'] },
  });
  result.replace = { name: replaced.name, size: replaced.size };
  check(replaced.name === 'Replaced' && replaced.size === 2, 'replace', JSON.stringify(replaced));
  ok('replace: name and members replaced');

  // A wrong token: the SDK reports 401.
  result.wrong_token_status = await statusOfFailure(
    client(plan, `${token}-wrong`).get({ group_id: id }),
    'wrong token',
  );
  ok(`wrong token: ${result.wrong_token_status}`);

  // 7. Delete, then the group is unknown: 404 as the SDK reports it.
  await groups.delete({ group_id: id });
  result.get_after_delete_status = await statusOfFailure(
    groups.get({ group_id: id }),
    'get after delete',
  );
  check(result.get_after_delete_status === 404, 'get after delete', result.get_after_delete_status);
  ok('delete; get after delete: 404');
  await groups.delete({ group_id: other.id });
}

// The SDK logs every failed request at debug level on stdout; RESULT is the last line.
run()
  .then(() => {
    console.log(`RESULT ${JSON.stringify(result)}`);
  })
  .catch((e) => {
    console.log(`FAIL: ${e && e.stack ? e.stack : e}`);
    console.log(`RESULT ${JSON.stringify(result)}`);
    process.exit(1);
  });
