{{/*
The chart's components, in the order their objects are rendered. Each one has its own block of values
under its name (frontend.*, backend.*, ...) following `helm create` conventions.
*/}}
{{- define "todo-chatbot.components" -}}
frontend backend worker notifier search mailer
{{- end }}

{{/*
Chart name and version as used by the helm.sh/chart label.
*/}}
{{- define "todo-chatbot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels of one component. Call with (dict "name" <component> "root" $).
These must never change for an existing Deployment: its selector is immutable.
*/}}
{{- define "todo-chatbot.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/*
Labels of a component's pods: the selector labels plus the application they belong to.
Call with (dict "name" <component> "root" $).
*/}}
{{- define "todo-chatbot.podLabels" -}}
{{ include "todo-chatbot.selectorLabels" . }}
app.kubernetes.io/part-of: todo-chatbot
{{- end }}

{{/*
Common labels of a component's objects. Call with (dict "name" <component> "values" <component values> "root" $).
*/}}
{{- define "todo-chatbot.labels" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: todo-chatbot
app.kubernetes.io/version: {{ .values.image.tag | default .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ include "todo-chatbot.chart" .root }}
{{- end }}

{{/*
The image reference of a component. Call with (dict "values" <component values> "root" $).
*/}}
{{- define "todo-chatbot.image" -}}
{{- printf "%s:%s" .values.image.repository (.values.image.tag | default .root.Chart.AppVersion) }}
{{- end }}
