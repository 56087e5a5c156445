// Validates rendered manifests (multi-document YAML files given as arguments) against the JSON schemas of
// kubernetes-models (Kubernetes 1.3x core API), @kubernetes-models/keda and @kubernetes-models/prometheus-operator.
// Their validators check types, enums, formats and required fields but let unknown fields through (the schemas
// do not forbid additional properties), so each object is also walked while the validator reads it: a field
// the validator never looked at is one the schema does not know, a typo such as `imagePullPolicyy` or `forr`.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as batch from "kubernetes-models/batch/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const MODELS = {
  "v1": core, "apps/v1": apps, "batch/v1": batch, "policy/v1": policy, "networking.k8s.io/v1": networking,
  "keda.sh/v1alpha1": keda, "monitoring.coreos.com/v1": monitoring,
};

// Wraps value in proxies that record which properties the validator reads. A map-typed field (labels, data,
// KEDA's trigger metadata) is iterated as a whole, which marks all its keys as known.
function watched(value, path, records) {
  if (value === null || typeof value !== "object") return value;
  const record = { path, keys: Array.isArray(value) ? [] : Object.keys(value), read: new Set(), listed: Array.isArray(value) };
  records.push(record);
  const copy = Array.isArray(value)
    ? value.map((v, i) => watched(v, `${path}/${i}`, records))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, watched(v, `${path}/${k}`, records)]));
  return new Proxy(copy, {
    get(target, key) { if (typeof key === "string") record.read.add(key); return target[key]; },
    has(target, key) { if (typeof key === "string") record.read.add(key); return key in target; },
    ownKeys(target) { record.listed = true; return Reflect.ownKeys(target); },
  });
}

export function problems(object) {
  const where = `${object.kind} ${object.metadata?.name}`;
  const Model = MODELS[object.apiVersion]?.[object.kind];
  if (!Model) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
  const found = [];
  const records = [];
  try {
    Model.prototype.validate.call(watched(object, "", records));
  } catch (e) {
    found.push(`${where}: ${e.message}`);
  }
  for (const r of records) {
    if (r.listed) continue;
    for (const k of r.keys) if (!r.read.has(k)) found.push(`${where}: unknown field ${r.path}/${k}`);
  }
  return found;
}

// Generated ConfigMaps and Secrets get a hash suffix, and kustomize rewrites the references it knows about; one it
// does not know (a CRD field such as a TriggerAuthentication's secretTargetRef, without ../base/kustomizeconfig)
// keeps the bare name and points at nothing. Every ConfigMap and Secret named by a pod or by KEDA must be rendered.
function danglingReferences(docs) {
  const present = new Set(docs.filter((d) => d.kind === "ConfigMap" || d.kind === "Secret").map((d) => `${d.kind}/${d.metadata.name}`));
  const refs = [];
  for (const d of docs) {
    const pod = d.spec?.template?.spec;
    if (pod) {
      for (const v of pod.volumes ?? []) {
        if (v.secret) refs.push([d, `Secret/${v.secret.secretName}`]);
        if (v.configMap) refs.push([d, `ConfigMap/${v.configMap.name}`]);
      }
      for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
        for (const e of c.env ?? []) {
          if (e.valueFrom?.configMapKeyRef) refs.push([d, `ConfigMap/${e.valueFrom.configMapKeyRef.name}`]);
          if (e.valueFrom?.secretKeyRef) refs.push([d, `Secret/${e.valueFrom.secretKeyRef.name}`]);
        }
      }
    }
    if (d.kind === "TriggerAuthentication") for (const r of d.spec?.secretTargetRef ?? []) refs.push([d, `Secret/${r.name}`]);
  }
  return refs.filter(([, ref]) => !present.has(ref)).map(([d, ref]) => `${d.kind} ${d.metadata.name}: refers to ${ref}, which is not rendered`);
}

// kustomize wraps a Secret's base64 at 70 columns; the API server's decoder (Go's encoding/base64) skips the
// newlines, the schema's "byte" format does not: join the lines before validating.
function unwrapBase64(object) {
  if (object.kind !== "Secret" || !object.data) return object;
  const data = Object.fromEntries(Object.entries(object.data).map(([k, v]) => [k, String(v).replace(/\s+/g, "")]));
  return { ...object, data };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs RENDERED.yaml...");
  process.exit(2);
}
let failures = 0;
for (const file of files) {
  const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter((d) => d).map(unwrapBase64);
  const found = docs.flatMap(problems);
  // KEDA owns the worker count: a replicas field would fight it on every apply.
  for (const d of docs) {
    if (d.kind === "StatefulSet" && d.spec?.replicas !== undefined) found.push(`${d.kind} ${d.metadata.name}: spec.replicas is set, but KEDA owns the count`);
  }
  found.push(...danglingReferences(docs));
  const kinds = [...new Set(docs.map((d) => d.kind))].sort().join(", ");
  console.log(`${file}: ${docs.length} objects (${kinds}): ${found.length === 0 ? "valid" : found.length + " problem(s)"}`);
  for (const p of found) console.log(`  ${p}`);
  failures += found.length;
}
process.exit(failures === 0 ? 0 : 1);
