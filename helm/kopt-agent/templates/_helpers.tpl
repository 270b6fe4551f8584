{{/* The name of the agent's own objects (Deployment, Service, ConfigMap, Roles): the release name. */}}
{{- define "kopt-agent.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the agent's pods; never change them on upgrade (a Deployment's selector is immutable). */}}
{{- define "kopt-agent.selectorLabels" -}}
app.kubernetes.io/name: kopt-agent
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object of the chart. */}}
{{- define "kopt-agent.labels" -}}
{{ include "kopt-agent.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The agent section of the config, as the agent reads it: the values' agent map (defaults come from kopt). */}}
{{- define "kopt-agent.agentConfig" -}}
{{- toYaml (default (dict) .Values.config.agent) -}}
{{- end -}}

{{/* Where the Lease and the control ConfigMap live: config.agent.namespace, else the release namespace. */}}
{{- define "kopt-agent.leaseNamespace" -}}
{{- $agent := default (dict) .Values.config.agent -}}
{{- default .Release.Namespace $agent.namespace -}}
{{- end -}}

{{- define "kopt-agent.leaseName" -}}
{{- $agent := default (dict) .Values.config.agent -}}
{{- $le := default (dict) $agent.leaderElection -}}
{{- default "kopt-agent" $le.leaseName -}}
{{- end -}}

{{- define "kopt-agent.controlConfigMap" -}}
{{- $agent := default (dict) .Values.config.agent -}}
{{- $control := default (dict) $agent.control -}}
{{- default "kopt-agent-control" $control.configMap -}}
{{- end -}}

{{/*
kopt.yaml from values.config, checked for what the chart depends on: it reads the cluster it runs in
(source.kubernetes.inCluster: true), and a github forge names its repository. kopt validates the rest at start
(exit 2 with the field and the fix); `node bin/kopt.js schema config` prints the whole format.
*/}}
{{- define "kopt-agent.config" -}}
{{- $c := .Values.config -}}
{{- $source := default (dict) $c.source -}}
{{- if $source.snapshot -}}
{{- fail "config.source.snapshot: the agent watches the live cluster; remove snapshot and keep source.kubernetes.inCluster: true" -}}
{{- end -}}
{{- $kube := default (dict) $source.kubernetes -}}
{{- if not $kube.inCluster -}}
{{- fail "config.source.kubernetes.inCluster must be true: the agent reads the cluster it runs in with its ServiceAccount" -}}
{{- end -}}
{{- $forge := default (dict) $c.forge -}}
{{- if eq (default "local" $forge.type) "github" -}}
{{- $gh := default (dict) $forge.github -}}
{{- $_ := required "config.forge.github.owner is required: the organization or user owning the repository kopt opens pull requests against (--set config.forge.github.owner=ORG)" $gh.owner -}}
{{- $_ := required "config.forge.github.repo is required: the repository holding kopt.yaml and the values files (--set config.forge.github.repo=REPO)" $gh.repo -}}
{{- end -}}
{{- $agent := default (dict) $c.agent -}}
{{- if hasKey $agent "actions" -}}
{{- fail "config.agent.actions: set actions.restartPods in the values instead (the chart grants the pods/eviction RBAC from them)" -}}
{{- end -}}
{{- $restart := .Values.actions.restartPods -}}
{{- if $restart.namespaces -}}
{{- $include := (default (dict) $kube.namespaces).include -}}
{{- range $restart.namespaces -}}
{{- if and $include (not (has . $include)) -}}
{{- fail (printf "actions.restartPods.namespaces: %s is not in config.source.kubernetes.namespaces.include: the agent never acts where it does not watch" .) -}}
{{- end -}}
{{- end -}}
{{- $c = deepCopy $c -}}
{{- $agent = deepCopy $agent -}}
{{- $_ := set $agent "actions" (dict "restartPods" $restart) -}}
{{- $_ := set $c "agent" $agent -}}
{{- end -}}
{{- $pause := .Values.actions.pauseRollouts -}}
{{- $verify := default (dict) $c.verify -}}
{{- if and (eq (default "" $verify.onRegression) "pause") (not $pause.namespaces) -}}
{{- fail "config.verify.onRegression: pause needs actions.pauseRollouts.namespaces (the chart grants patch on deployments there)" -}}
{{- end -}}
{{- if $pause.namespaces -}}
{{- $include := (default (dict) $kube.namespaces).include -}}
{{- range $pause.namespaces -}}
{{- if and $include (not (has . $include)) -}}
{{- fail (printf "actions.pauseRollouts.namespaces: %s is not in config.source.kubernetes.namespaces.include: the agent never acts where it does not watch" .) -}}
{{- end -}}
{{- end -}}
{{- if and $verify.onRegression (ne $verify.onRegression "pause") -}}
{{- fail (printf "actions.pauseRollouts.namespaces is set but config.verify.onRegression is %s: drop one of them" $verify.onRegression) -}}
{{- end -}}
{{- $c = deepCopy $c -}}
{{- $verify = deepCopy $verify -}}
{{- $_ := set $verify "onRegression" "pause" -}}
{{- $_ := set $c "verify" $verify -}}
{{- end -}}
{{- toYaml $c -}}
{{- end -}}
