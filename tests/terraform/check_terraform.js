#!/usr/bin/env node
// Checks terraform/ with a real HCL parser (@cdktf/hcl2json, installed into a cache directory
// when missing; failing clearly when it cannot be had): references resolve, templatefile()
// passes exactly the variables task.tftpl uses, the rendered task definition passes
// `fargate-emu validate` for both destinations, the router's S3 bucket is the bucket Terraform
// creates, and the roles grant what each destination needs.
// Usage: check_terraform.js SOURCE_DIR FARGATE_EMU CACHE_DIR
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const HCL2JSON_VERSION = '0.21.0';
const [srcDir, fargateEmu, cacheDir] = process.argv.slice(2);
if (!srcDir || !fargateEmu || !cacheDir) {
  console.error('usage: check_terraform.js SOURCE_DIR FARGATE_EMU CACHE_DIR');
  process.exit(2);
}
const tfDir = path.join(srcDir, 'terraform');

function loadHcl2json() {
  const mod = path.join(cacheDir, 'node_modules', '@cdktf', 'hcl2json');
  try {
    return require(mod);
  } catch (e) {
    fs.mkdirSync(cacheDir, { recursive: true });
    try {
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', cacheDir,
        `@cdktf/hcl2json@${HCL2JSON_VERSION}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      return require(mod);
    } catch (err) {
      console.error(`FAIL: cannot install @cdktf/hcl2json@${HCL2JSON_VERSION} into ${cacheDir} ` +
        `(npm and the npm registry are needed for this test): ${err.message}`);
      process.exit(1);
    }
  }
}

let failures = 0;
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.error(`FAIL: ${what}`);
  }
}

// ---- Merging the .tf files ------------------------------------------------------------------

function merge(into, doc) {
  for (const [kind, body] of Object.entries(doc)) {
    if (kind === 'locals') {
      into.locals = Object.assign(into.locals || {}, ...body);
    } else if (kind === 'resource' || kind === 'data') {
      into[kind] = into[kind] || {};
      for (const [type, byName] of Object.entries(body)) {
        into[kind][type] = into[kind][type] || {};
        for (const [name, blocks] of Object.entries(byName)) {
          into[kind][type][name] = blocks[0];
        }
      }
    } else if (kind === 'variable' || kind === 'output') {
      into[kind] = into[kind] || {};
      for (const [name, blocks] of Object.entries(body)) {
        into[kind][name] = blocks[0];
      }
    } else {
      into[kind] = (into[kind] || []).concat(body);
    }
  }
}

// Every string in a parsed document, with where it is.
function strings(node, where, out) {
  if (typeof node === 'string') {
    out.push([where, node]);
  } else if (Array.isArray(node)) {
    node.forEach((v, i) => strings(v, `${where}[${i}]`, out));
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      strings(v, where ? `${where}.${k}` : k, out);
    }
  }
  return out;
}

// The `${ ... }` segments of a string, with nested braces balanced.
function interpolations(s) {
  const out = [];
  for (let i = s.indexOf('${'); i >= 0; i = s.indexOf('${', i + 1)) {
    let depth = 0;
    for (let j = i + 1; j < s.length; j++) {
      if (s[j] === '{') depth++;
      if (s[j] === '}' && --depth === 0) {
        out.push(s.slice(i + 2, j));
        i = j;
        break;
      }
    }
  }
  return out;
}

// ---- A small evaluator for the expressions the stack uses ------------------------------------

const ACCOUNT = '123456789012';

function makeEvaluator(tf, overrides) {
  const region = () => evalString(tf.variable.region.default);

  function resourceAttr(kind, type, name, attr) {
    const byType = kind === 'data' ? (tf.data || {})[type] : tf.resource[type];
    const block = byType && byType[name];
    if (!block) throw new Error(`${kind === 'data' ? 'data.' : ''}${type}.${name} is not declared`);
    if (block[attr] !== undefined && typeof block[attr] !== 'object') {
      return evalString(block[attr]);
    }
    const label = block.name !== undefined ? evalString(block.name)
      : block.bucket !== undefined ? evalString(block.bucket) : name;
    if (attr === 'repository_url') {
      return `${ACCOUNT}.dkr.ecr.${region()}.amazonaws.com/${label}`;
    }
    if (attr === 'arn') {
      const svc = { aws_s3_bucket: 's3', aws_iam_role: 'iam', aws_ecr_repository: 'ecr',
        aws_cloudwatch_log_group: 'logs' }[type] || type;
      if (svc === 's3') return `arn:aws:s3:::${label}`;
      if (svc === 'iam') return `arn:aws:iam::${ACCOUNT}:role/${label}`;
      if (svc === 'ecr') return `arn:aws:ecr:${region()}:${ACCOUNT}:repository/${label}`;
      if (svc === 'logs') return `arn:aws:logs:${region()}:${ACCOUNT}:log-group:${label}`;
      return `arn:aws:${svc}:${region()}:${ACCOUNT}:${label}`;
    }
    if (attr === 'json') return `<${type}.${name}.json>`;
    return `<${type}.${name}.${attr}>`;
  }

  function reference(ref) {
    const p = ref.split('.');
    if (p[0] === 'var') {
      if (p[1] in overrides) return overrides[p[1]];
      const v = tf.variable[p[1]];
      if (!v) throw new Error(`undefined variable ${ref}`);
      return typeof v.default === 'string' ? evalString(v.default) : v.default;
    }
    if (p[0] === 'local') {
      if (!(p[1] in tf.locals)) throw new Error(`undefined local ${ref}`);
      return evalString(tf.locals[p[1]]);
    }
    if (p[0] === 'path') return tfDir;
    if (p[0] === 'data') return resourceAttr('data', p[1], p[2], p[3]);
    return resourceAttr('resource', p[0], p[1], p[2]);
  }

  // expr := cond ; cond := eq ('?' expr ':' expr)? ; eq := atom (('=='|'!=') atom)?
  function evalExpr(src) {
    let pos = 0;
    const ws = () => { while (/\s/.test(src[pos] || '')) pos++; };
    function atom() {
      ws();
      if (src[pos] === '"') {
        let depth = 0;
        let j = pos + 1;
        for (; j < src.length; j++) {
          if (src[j] === '\\') { j++; continue; }
          if (src[j] === '{') depth++;
          if (src[j] === '}') depth--;
          if (src[j] === '"' && depth === 0) break;
        }
        const lit = src.slice(pos + 1, j);
        pos = j + 1;
        return evalString(lit);
      }
      const m = /^[A-Za-z_][\w.-]*/.exec(src.slice(pos));
      if (!m) {
        const num = /^\d+/.exec(src.slice(pos));
        if (num) { pos += num[0].length; return Number(num[0]); }
        throw new Error(`cannot evaluate "${src}"`);
      }
      pos += m[0].length;
      if (m[0] === 'true' || m[0] === 'false') return m[0] === 'true';
      return reference(m[0]);
    }
    function eq() {
      const a = atom();
      ws();
      const op = src.slice(pos, pos + 2);
      if (op === '==' || op === '!=') {
        pos += 2;
        const b = atom();
        return op === '==' ? a === b : a !== b;
      }
      return a;
    }
    function cond() {
      const c = eq();
      ws();
      if (src[pos] !== '?') return c;
      pos++;
      const t = cond();
      ws();
      if (src[pos] !== ':') throw new Error(`missing ":" in "${src}"`);
      pos++;
      const f = cond();
      return c ? t : f;
    }
    const v = cond();
    ws();
    if (pos !== src.length) throw new Error(`cannot evaluate "${src}"`);
    return v;
  }

  function evalString(s) {
    if (typeof s !== 'string') return s;
    const parts = interpolations(s);
    if (parts.length === 1 && s === '${' + parts[0] + '}') return evalExpr(parts[0]);
    let out = s;
    for (const p of parts) out = out.replace('${' + p + '}', String(evalExpr(p)));
    return out;
  }

  return { evalExpr, evalString, reference };
}

// The templatefile("...", { k = expr ... }) call of a string: the path and the arguments.
function templatefileCall(s) {
  const m = /templatefile\(\s*"([^"]+)"\s*,\s*\{([\s\S]*)\}\s*\)/.exec(s);
  if (!m) return null;
  const args = {};
  for (const line of m[2].split('\n')) {
    const a = /^\s*([A-Za-z_][\w-]*)\s*=\s*(.+?)\s*,?\s*$/.exec(line);
    if (a) args[a[1]] = a[2];
  }
  return { file: m[1], args };
}

// The variables a template references (outside escapes), by scanning its sequences.
function templateVariables(text) {
  const used = new Set();
  const bound = new Set();
  const re = /(\$\$\{|%%\{)|(\$\{|%\{)~?([\s\S]*?)~?\}/g;
  let m;
  while ((m = re.exec(text))) {
    if (m[1]) continue;
    let body = m[3].replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const f = /^\s*for\s+([\w-]+)(?:\s*,\s*([\w-]+))?\s+in\s+/.exec(body);
    if (f) {
      bound.add(f[1]);
      if (f[2]) bound.add(f[2]);
      body = body.slice(f[0].length);
    }
    body = body.replace(/^\s*(if|else|endif|endfor)\b/, '');
    for (const id of body.match(/(?<![\w.-])[A-Za-z_][\w-]*(?!\s*\()/g) || []) {
      if (!['true', 'false', 'null'].includes(id) && !bound.has(id)) used.add(id);
    }
  }
  return used;
}

async function main() {
  const { parse } = loadHcl2json();
  const tf = {};
  const files = fs.readdirSync(tfDir).filter((f) => f.endsWith('.tf')).sort();
  check(files.length > 0, 'terraform/ has .tf files');
  for (const f of files) {
    merge(tf, await parse(f, fs.readFileSync(path.join(tfDir, f), 'utf8')));
  }
  tf.locals = tf.locals || {};

  // 1. Every reference resolves.
  const all = strings({ resource: tf.resource, data: tf.data, locals: tf.locals,
    output: tf.output, variable: tf.variable, provider: tf.provider }, '', []);
  for (const [where, s] of all) {
    for (const seg of interpolations(s)) {
      const body = seg.replace(/"(?:[^"\\]|\\.)*"/g, '""');
      for (const m of body.matchAll(/(?<![\w.])(var|local)\.([\w-]+)/g)) {
        const ok = m[1] === 'var' ? tf.variable[m[2]] : m[2] in tf.locals;
        check(ok, `${where}: ${m[1]}.${m[2]} is not declared`);
      }
      for (const m of body.matchAll(/(?<![\w.])data\.(\w+)\.([\w-]+)/g)) {
        check(tf.data && tf.data[m[1]] && tf.data[m[1]][m[2]],
          `${where}: data.${m[1]}.${m[2]} is not declared`);
      }
      for (const m of body.matchAll(/(?<![\w.])(aws_\w+)\.([\w-]+)/g)) {
        check(tf.resource[m[1]] && tf.resource[m[1]][m[2]],
          `${where}: ${m[1]}.${m[2]} is not declared`);
      }
    }
  }

  // 2. The layout the issue asks for.
  const R = tf.resource;
  for (const t of ['aws_vpc', 'aws_internet_gateway', 'aws_nat_gateway', 'aws_eip', 'aws_lb',
    'aws_lb_target_group', 'aws_lb_listener', 'aws_ecs_cluster', 'aws_ecs_service',
    'aws_ecs_task_definition', 'aws_iam_role', 'aws_ecr_repository', 'aws_s3_bucket',
    'aws_s3_bucket_ownership_controls', 'aws_s3_bucket_public_access_block',
    'aws_s3_bucket_server_side_encryption_configuration']) {
    check(R[t], `a ${t} resource exists`);
  }
  check(!R.aws_s3_bucket_acl, 'no aws_s3_bucket_acl (new buckets refuse ACLs)');
  check(R.aws_subnet.public.count === 2 && R.aws_subnet.private.count === 2,
    'two public and two private subnets');
  check(R.aws_lb_target_group.app.target_type === 'ip', 'the target group has target_type "ip"');
  const svc = R.aws_ecs_service.app;
  const net = svc.network_configuration[0];
  check(/aws_subnet\.private/.test(net.subnets), 'the service runs in the private subnets');
  check(net.assign_public_ip === false, 'the tasks get no public IP');
  const taskIngress = Object.values(R.aws_vpc_security_group_ingress_rule || {})
    .filter((r) => /aws_security_group\.task\./.test(r.security_group_id));
  check(taskIngress.length === 1 && /aws_security_group\.alb\.id/.test(
    taskIngress[0].referenced_security_group_id || '') && !taskIngress[0].cidr_ipv4,
  'the task security group admits only the ALB');
  for (const o of ['alb_dns_name', 'log_bucket', 'log_group', 'ecr_repository_url']) {
    check(tf.output && tf.output[o], `output ${o} exists`);
  }
  check(tf.variable.log_destination && tf.variable.log_destination.validation,
    'log_destination is a validated variable');

  // 3. templatefile() passes exactly the variables task.tftpl uses.
  const td = R.aws_ecs_task_definition.app;
  check(td.network_mode === 'awsvpc', 'network_mode = "awsvpc" on the task definition');
  const cdExpr = /local\.(\w+)/.exec(td.container_definitions);
  const call = templatefileCall(cdExpr ? tf.locals[cdExpr[1]] : td.container_definitions);
  check(call && /task\.tftpl$/.test(call.file), 'container_definitions come from templatefile("task.tftpl")');
  const tplText = fs.readFileSync(path.join(tfDir, 'task.tftpl'), 'utf8');
  const used = templateVariables(tplText);
  for (const v of used) check(call.args[v] !== undefined, `task.tftpl uses "${v}" but templatefile() does not pass it`);
  for (const v of Object.keys(call.args)) check(used.has(v), `templatefile() passes "${v}" but task.tftpl does not use it`);
  check(!/"networkMode"/.test(tplText), 'task.tftpl has no container-level networkMode');

  // 4. Rendered for each destination, the task definition passes fargate-emu validate, and the
  //    roles grant what that destination needs.
  const s3conf = fs.readFileSync(path.join(srcDir, 'docker/fluent-bit-s3/s3.conf'), 'utf8');
  const confBucket = /^\s*bucket\s+(\S+)/m.exec(s3conf)[1];
  for (const dest of ['s3', 'cloudwatch']) {
    const ev = makeEvaluator(tf, { log_destination: dest });
    const vars = {};
    for (const [k, expr] of Object.entries(call.args)) vars[k] = ev.evalExpr(expr);
    const args = ['validate', '--tftpl', path.join(tfDir, 'task.tftpl')];
    for (const [k, v] of Object.entries(vars)) {
      args.push(typeof v === 'string' ? '--var' : '--var-json', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
    args.push('--family', ev.evalString(td.family), '--cpu', ev.evalString(td.cpu),
      '--memory', ev.evalString(td.memory), '--network-mode', td.network_mode,
      '--requires-compatibilities', td.requires_compatibilities.join(','),
      '--task-role-arn', ev.evalString(td.task_role_arn),
      '--execution-role-arn', ev.evalString(td.execution_role_arn));
    let out = '';
    let ok = true;
    try {
      out = execFileSync(fargateEmu, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      ok = false;
      out = `${e.stdout || ''}${e.stderr || ''}`;
    }
    check(ok && /valid for FARGATE/.test(out), `${dest}: the rendered task definition passes fargate-emu validate:\n${out}`);

    const taskPolicy = ev.evalString(R.aws_iam_role_policy.task.policy);
    const doc = /^<(aws_iam_policy_document)\.(\w+)\.json>$/.exec(taskPolicy);
    check(doc, `${dest}: the task role policy is a policy document`);
    check(/aws_iam_role\.task\.id|aws_iam_role\.task\.name/.test(R.aws_iam_role_policy.task.role),
      `${dest}: the policy is attached to the task role`);
    check(/aws_iam_role\.task\.arn/.test(td.task_role_arn), 'the task definition uses the task role');
    const stmts = doc ? tf.data.aws_iam_policy_document[doc[2]].statement : [];
    const grants = (action, resource) => stmts.some((s) => s.actions.includes(action) &&
      s.resources.map((r) => ev.evalString(r)).includes(resource));
    if (dest === 's3') {
      const bucket = ev.evalString(R.aws_s3_bucket.logs.bucket);
      check(bucket === confBucket, `the router's s3.conf bucket (${confBucket}) is the bucket Terraform creates (${bucket})`);
      check(vars.router_image.startsWith(ev.reference('aws_ecr_repository.router.repository_url') + ':'),
        's3: the router image comes from the ECR repository');
      check(grants('s3:PutObject', `arn:aws:s3:::${bucket}/*`), 's3: the task role may s3:PutObject into the log bucket');
    } else {
      const group = vars.app_log_group;
      const arn = `arn:aws:logs:${ev.evalString(tf.variable.region.default)}:${ACCOUNT}:log-group:${group}:*`;
      for (const a of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        check(grants(a, arn), `cloudwatch: the task role grants ${a} on ${group}`);
      }
    }
    check(!/:latest$/.test(vars.router_image) && /:[\w.-]+$/.test(vars.router_image),
      `${dest}: the router image is pinned (${vars.router_image})`);
  }

  // 5. The execution role: ECR pull of the router image and the router's awslogs stream.
  const exec = tf.data.aws_iam_policy_document.execution.statement;
  const execActions = exec.flatMap((s) => s.actions);
  for (const a of ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer',
    'logs:CreateLogStream', 'logs:PutLogEvents']) {
    check(execActions.includes(a), `the execution role grants ${a}`);
  }

  if (failures) {
    console.error(`check_terraform: ${failures} of ${checks} checks failed`);
    process.exit(1);
  }
  console.log(`check_terraform: ${checks} checks passed`);
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
