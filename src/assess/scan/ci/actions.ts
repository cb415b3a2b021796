import type { StepKind } from '../../model/scan.js';
import type { Classifier } from './classify.js';
import { own } from './paths.js';

/**
 * What a GitHub Action does, from its name (`owner/repo[/path]`, without the `@ref`) and inputs. Actions not
 * listed have no kind: a remote action is a known tool or it is not a capability.
 */

type Inputs = Record<string, unknown>;
type ActionRule = StepKind[] | ((inputs: Inputs, cl: Classifier, cwd: string | null) => StepKind[]);

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
/** `push: true`, or an expression that pushes on some runs (`${{ github.event_name != 'pull_request' }}`). */
const mayBeTrue = (v: unknown): boolean => v === true || /^\s*true\s*$/i.test(str(v)) || /\$\{\{/.test(str(v));

const ACTIONS: Record<string, ActionRule> = {
  'github/codeql-action/analyze': ['sast'],
  'actions/dependency-review-action': ['dependency-scan'],
  'docker/build-push-action': (w) => (mayBeTrue(w.push) || /type=registry/.test(str(w.outputs)) ? ['build', 'publish-image'] : ['build']),
  'docker/bake-action': (w) => (mayBeTrue(w.push) ? ['build', 'publish-image'] : ['build']),
  'redhat-actions/buildah-build': ['build'],
  'redhat-actions/push-to-registry': ['publish-image'],
  'mr-smithers-excellent/docker-build-push': ['build', 'publish-image'],
  'super-linter/super-linter': ['lint'],
  'super-linter/super-linter/slim': ['lint'],
  'github/super-linter': ['lint'],
  'github/super-linter/slim': ['lint'],
  'oxsecurity/megalinter': ['lint'],
  'golangci/golangci-lint-action': ['lint'],
  'hadolint/hadolint-action': ['lint'],
  'wearerequired/lint-action': ['lint'],
  'rhysd/actionlint': ['lint'],
  'astral-sh/ruff-action': ['lint'],
  'chartboost/ruff-action': ['lint'],
  'psf/black': ['lint'],
  'ludeeus/action-shellcheck': ['lint'],
  'stylelint/stylelint-action': ['lint'],
  'aquasecurity/trivy-action': (w) => {
    // The default scan type is `image`: a container scan, which no step kind fits.
    const type = str(w['scan-type'] || 'image').toLowerCase();
    if (!['fs', 'repo', 'rootfs', 'sbom', 'filesystem', 'repository'].includes(type)) return [];
    const scanners = str(w.scanners || w['security-checks']);
    if (!scanners) return ['dependency-scan'];
    const out: StepKind[] = [];
    if (scanners.includes('vuln')) out.push('dependency-scan');
    if (scanners.includes('secret')) out.push('secret-scan');
    return out;
  },
  'anchore/scan-action': (w) => (w.path || w.sbom ? ['dependency-scan'] : []),
  'google/osv-scanner-action': ['dependency-scan'],
  'google/osv-scanner-action/osv-scanner-action': ['dependency-scan'],
  'pypa/gh-action-pip-audit': ['dependency-scan'],
  'golang/govulncheck-action': ['dependency-scan'],
  'rustsec/audit-check': ['dependency-scan'],
  'actions-rust-lang/audit': ['dependency-scan'],
  'dependency-check/dependency-check_action': ['dependency-scan'],
  'sonarsource/sonarcloud-github-action': ['sast'],
  'sonarsource/sonarqube-scan-action': ['sast'],
  'securego/gosec': ['sast'],
  'returntocorp/semgrep-action': ['sast'],
  'semgrep/semgrep-action': ['sast'],
  'checkmarx/ast-github-action': ['sast'],
  'microsoft/security-devops-action': ['sast'],
  'shiftleftsecurity/scan-action': ['sast'],
  'bearer/bearer-action': ['sast'],
  'gitleaks/gitleaks-action': ['secret-scan'],
  'zricethezav/gitleaks-action': ['secret-scan'],
  'trufflesecurity/trufflehog': ['secret-scan'],
  'gitguardian/ggshield-action': ['secret-scan'],
  'gitguardian/ggshield/actions/secret': ['secret-scan'],
  'azure/webapps-deploy': ['deploy'],
  'azure/functions-action': ['deploy'],
  'azure/k8s-deploy': ['deploy'],
  'azure/container-apps-deploy-action': ['deploy'],
  'azure/aci-deploy': ['deploy'],
  'azure/arm-deploy': ['deploy'],
  'google-github-actions/deploy-cloudrun': ['deploy'],
  'google-github-actions/deploy-appengine': ['deploy'],
  'google-github-actions/deploy-cloud-functions': ['deploy'],
  'aws-actions/amazon-ecs-deploy-task-definition': ['deploy'],
  'aws-actions/aws-cloudformation-github-deploy': ['deploy'],
  'akhileshns/heroku-deploy': ['deploy'],
  'amondnet/vercel-action': ['deploy'],
  'cloudflare/pages-action': ['deploy'],
  'cloudflare/wrangler-action': (w) => (/^(deploy|publish)?$/.test(str(w.command).split(/\s+/)[0] ?? '') || /\b(deploy|publish)\b/.test(str(w.command)) ? ['deploy'] : []),
  'superfly/flyctl-actions': (w) => (/\bdeploy\b/.test(str(w.args)) ? ['deploy'] : []),
  'snyk/actions': (w) => snykCommand(str(w.command)),
  'azure/cli': (w, cl, cwd) => cl.text(str(w.inlineScript), cwd, 1),
  'azure/powershell': (w, cl, cwd) => cl.text(str(w.inlineScript), cwd, 1),
  'nick-fields/retry': (w, cl, cwd) => cl.text(str(w.command), cwd, 1),
  'wandalen/wretry.action': (w, cl, cwd) => cl.text(str(w.command), cwd, 1),
  'addnab/docker-run-action': (w, cl, cwd) => cl.text(str(w.run), cwd, 1),
  'gradle/gradle-build-action': (w, cl, cwd) => (w.arguments ? cl.words(['gradle', ...str(w.arguments).split(/\s+/)], cwd, 1).kinds : []),
  'borales/actions-yarn': (w, cl, cwd) => (w.cmd ? cl.words(['yarn', ...str(w.cmd).split(/\s+/)], cwd, 1).kinds : []),
};

function snykCommand(command: string): StepKind[] {
  const c = command.trim() || 'test';
  if (/^code\s+test/.test(c)) return ['sast'];
  if (/^(test|monitor|container\s+(test|monitor))/.test(c)) return ['dependency-scan'];
  return [];
}

/** Kinds of a remote action `uses: owner/repo[/path]@ref`. */
export function actionKinds(uses: string, inputs: Inputs, cl: Classifier, cwd: string | null): StepKind[] {
  const name = uses.replace(/@.*$/, '').toLowerCase().replace(/\/+$/, '');
  let rule = own(ACTIONS, name);
  if (!rule) {
    // Families: every snyk/actions/<language>, reviewdog/action-<linter>, oxsecurity/megalinter/flavors/<x>.
    if (name.startsWith('snyk/actions/')) rule = ACTIONS['snyk/actions'];
    else if (/^reviewdog\/action-/.test(name)) rule = ['lint'];
    else if (name.startsWith('oxsecurity/megalinter/')) rule = ['lint'];
  }
  if (!rule) return [];
  return typeof rule === 'function' ? rule(inputs, cl, cwd) : rule;
}
