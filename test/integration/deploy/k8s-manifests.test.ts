import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../../../src/runtime/package-root.js';

const K8S = join(PACKAGE_ROOT, 'deploy', 'k8s');
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
} & Record<string, unknown>;

/** Core kinds, validated against Kubernetes' own JSON schemas by kubernetes-models. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1 Ingress': Ingress,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'v1 Service': Service,
};

/** The Prometheus operator's ServiceMonitor (a CRD kubernetes-models does not cover): the fields used here. */
const ServiceMonitorSchema = z
  .object({
    apiVersion: z.literal('monitoring.coreos.com/v1'),
    kind: z.literal('ServiceMonitor'),
    metadata: z.object({ name: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }),
    spec: z
      .object({
        selector: z.object({
          matchLabels: z.record(z.string(), z.string()).refine((l) => Object.keys(l).length > 0),
        }),
        namespaceSelector: z.object({ matchNames: z.array(z.string()) }).optional(),
        endpoints: z
          .array(
            z
              .object({
                port: z.string().min(1),
                path: z.string().startsWith('/').optional(),
                scheme: z.enum(['http', 'https']).optional(),
                interval: z
                  .string()
                  .regex(/^\d+(ms|s|m|h)$/)
                  .optional(),
                scrapeTimeout: z
                  .string()
                  .regex(/^\d+(ms|s|m|h)$/)
                  .optional(),
                authorization: z
                  .object({ type: z.string(), credentials: z.object({ name: z.string(), key: z.string() }) })
                  .optional(),
              })
              .strict(),
          )
          .min(1),
      })
      .strict(),
  })
  .strict();

function load(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(join(K8S, file), 'utf8'));
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message ?? 'YAML error'}`);
    return doc.toJS() as Manifest;
  });
}

/** Validates one manifest: kubernetes-models for core kinds, the schema above for the ServiceMonitor. */
function validate(manifest: Manifest): void {
  if (manifest.kind === 'ServiceMonitor') {
    ServiceMonitorSchema.parse(manifest);
    return;
  }
  const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

const kustomization = load('kustomization.yaml')[0] as unknown as { resources: string[] };
const files = [...kustomization.resources, 'ingress.example.yaml', 'secret.example.yaml'];
const all = files.flatMap(load);
const find = <T = Manifest>(kind: string, name: string): T => {
  const found = all.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as T;
};

interface ContainerPort {
  name: string;
  containerPort: number;
}
interface Probe {
  httpGet: { path: string; port: string };
}
const deployment = find<{
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Array<{ ports: ContainerPort[]; readinessProbe: Probe; livenessProbe: Probe }> };
    };
  };
}>('Deployment', 'concord');
const container = deployment.spec.template.spec.containers[0];
const podLabels = deployment.spec.template.metadata.labels;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
type ServiceShape = {
  metadata: { labels: Record<string, string> };
  spec: {
    selector: Record<string, string>;
    ports: Array<{ name: string; port: number; targetPort: string }>;
  };
};

describe('deploy/k8s manifests', () => {
  it('lists only files that exist, and each validates against its schema', () => {
    for (const file of files) expect(existsSync(join(K8S, file))).toBe(true);
    expect(all.map((m) => m.kind).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Ingress',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Secret',
        'Service',
        'Service',
        'ServiceMonitor',
      ].sort(),
    );
    for (const manifest of all) expect(() => validate(manifest)).not.toThrow();
  });

  it('catches a broken manifest (the validation can fail)', () => {
    const broken = structuredClone(find('Deployment', 'concord')) as Manifest & {
      spec: Record<string, unknown>;
    };
    broken.spec.replicas = 'three';
    expect(() => validate(broken)).toThrow();
    const monitor = structuredClone(find('ServiceMonitor', 'concord')) as Manifest & {
      spec: { endpoints: unknown[] };
    };
    monitor.spec.endpoints = [{ targetPort: 9464 }];
    expect(() => validate(monitor)).toThrow();
  });

  it('wires readiness to /readyz and liveness to /healthz on the public port', () => {
    expect(container?.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container?.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container?.ports).toEqual([
      { name: 'http', containerPort: 4000 },
      { name: 'admin', containerPort: 9464 },
    ]);
    expect(find<{ data: Record<string, string> }>('ConfigMap', 'concord').data.ADMIN_PORT).toBe('9464');
  });

  it('keeps the admin port out of the public Service and the Ingress; only the ServiceMonitor reaches it', () => {
    const publicService = find<ServiceShape>('Service', 'concord');
    expect(publicService.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
    const ingress = find<{
      spec: {
        rules: Array<{
          http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> };
        }>;
      };
    }>('Ingress', 'concord');
    for (const path of ingress.spec.rules.flatMap((r) => r.http.paths)) {
      expect(path.backend.service).toEqual({ name: 'concord', port: { name: 'http' } });
    }
    const admin = find<ServiceShape>('Service', 'concord-admin');
    expect(admin.spec.ports).toEqual([{ name: 'admin', port: 9464, targetPort: 'admin' }]);
    expect(matches(admin.spec.selector, podLabels)).toBe(true);
    const monitor = ServiceMonitorSchema.parse(find('ServiceMonitor', 'concord'));
    expect(matches(monitor.spec.selector.matchLabels, admin.metadata.labels)).toBe(true);
    expect(matches(monitor.spec.selector.matchLabels, publicService.metadata.labels)).toBe(false);
    expect(monitor.spec.endpoints.map((e) => [e.port, e.path])).toEqual([['admin', '/metrics']]);
  });

  it('lets the network policy admit the admin port from monitoring only, and the budget cover the pods', () => {
    const policy = find<{
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        ingress: Array<{
          from: Array<{ namespaceSelector?: { matchLabels: Record<string, string> } }>;
          ports: Array<{ port: string }>;
        }>;
      };
    }>('NetworkPolicy', 'concord');
    expect(matches(policy.spec.podSelector.matchLabels, podLabels)).toBe(true);
    const adminRules = policy.spec.ingress.filter((r) => r.ports.some((p) => p.port === 'admin'));
    expect(adminRules).toHaveLength(1);
    expect(adminRules[0]?.ports.map((p) => p.port)).toEqual(['admin']);
    expect(
      adminRules[0]?.from.map((f) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name']),
    ).toEqual(['monitoring']);
    const budget = find<{
      spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    }>('PodDisruptionBudget', 'concord');
    expect(budget.spec.maxUnavailable).toBe(1);
    expect(matches(budget.spec.selector.matchLabels, podLabels)).toBe(true);
  });
});
