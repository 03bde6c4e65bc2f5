//! The query and path parameters of the REST API, as OpenAPI documents them.

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A `{name}` segment of the path.
    Path,
    /// A query parameter.
    Query,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Name as sent.
    pub name: &'static str,
    /// Path or query.
    pub location: In,
    /// JSON type: `string`, `boolean` or `integer`.
    pub ty: &'static str,
    /// Human description.
    pub description: &'static str,
}

const fn query(name: &'static str, ty: &'static str, description: &'static str) -> Param {
    Param {
        name,
        location: In::Query,
        ty,
        description,
    }
}

/// `{namespace}`.
pub const NAMESPACE: Param = Param {
    name: "namespace",
    location: In::Path,
    ty: "string",
    description: "object name and auth scope, such as for teams and projects",
};

/// `{path}` of proxy subresources.
pub const PATH: Param = Param {
    name: "path",
    location: In::Path,
    ty: "string",
    description: "path to the resource",
};

/// `?pretty`.
pub const PRETTY: Param = query(
    "pretty",
    "string",
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
);

/// `?dryRun`.
pub const DRY_RUN: Param = query(
    "dryRun",
    "string",
    "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed",
);

/// `?fieldManager` on create and update.
pub const FIELD_MANAGER: Param = query(
    "fieldManager",
    "string",
    "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.",
);

/// `?fieldManager` on patch, where apply requires it.
pub const FIELD_MANAGER_PATCH: Param = query(
    "fieldManager",
    "string",
    "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).",
);

/// `?fieldValidation`: its presence on PATCH tells kubectl the server
/// validates fields itself (server-side field validation).
pub const FIELD_VALIDATION: Param = query(
    "fieldValidation",
    "string",
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: unknown fields are silently dropped from the object, and all but the last duplicate field are ignored. - Warn: a warning is sent via the standard warning response header for each unknown field that is dropped and for each duplicate field. This is the default. - Strict: the request fails with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present.",
);

/// `?force` on patch.
pub const FORCE: Param = query(
    "force",
    "boolean",
    "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.",
);

/// Query parameters of every delete.
pub const DELETE: &[Param] = &[
    DRY_RUN,
    query(
        "gracePeriodSeconds",
        "integer",
        "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.",
    ),
    query(
        "ignoreStoreReadErrorWithClusterBreakingPotential",
        "boolean",
        "if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error. A resource is considered corrupt if it can not be retrieved from the underlying storage successfully because of a) its data can not be transformed e.g. decryption failure, or b) it fails to decode into an object.",
    ),
    query(
        "orphanDependents",
        "boolean",
        "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the \"orphan\" finalizer will be added to/removed from the object's finalizers list. Either this field or PropagationPolicy may be set, but not both.",
    ),
    query(
        "propagationPolicy",
        "string",
        "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
    ),
];

/// Query parameters of list and watch.
pub const LIST: &[Param] = &[
    query(
        "allowWatchBookmarks",
        "boolean",
        "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server's discretion. If this is not a watch, this field is ignored.",
    ),
    query(
        "continue",
        "string",
        "The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue). If the continue value is no longer valid, the server responds with a 410 ResourceExpired error.",
    ),
    query(
        "fieldSelector",
        "string",
        "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
    ),
    query(
        "labelSelector",
        "string",
        "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
    ),
    query(
        "limit",
        "integer",
        "limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.",
    ),
    query(
        "resourceVersion",
        "string",
        "resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset",
    ),
    query(
        "resourceVersionMatch",
        "string",
        "resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set. Defaults to unset",
    ),
    query(
        "sendInitialEvents",
        "boolean",
        "`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic \"Bookmark\" event will be sent.",
    ),
    query(
        "timeoutSeconds",
        "integer",
        "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.",
    ),
    query(
        "watch",
        "boolean",
        "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.",
    ),
];

/// Query parameters of `pods/log`.
pub const POD_LOG: &[Param] = &[
    query("container", "string", "The container for which to stream logs. Defaults to only container if there is one container in the pod."),
    query("follow", "boolean", "Follow the log stream of the pod. Defaults to false."),
    query(
        "insecureSkipTLSVerifyBackend",
        "boolean",
        "insecureSkipTLSVerifyBackend indicates that the apiserver should not confirm the validity of the serving certificate of the backend it is connecting to.",
    ),
    query("limitBytes", "integer", "If set, the number of bytes to read from the server before terminating the log output."),
    query("previous", "boolean", "Return previous terminated container logs. Defaults to false."),
    query("sinceSeconds", "integer", "A relative time in seconds before the current time from which to show logs."),
    query("stream", "string", "Specify which container log stream to return to the client. Acceptable values are \"All\", \"Stdout\" and \"Stderr\". If not specified, \"All\" is used."),
    query("tailLines", "integer", "If set, the number of lines from the end of the logs to show."),
    query("timestamps", "boolean", "If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false."),
];

/// Query parameters of `pods/exec`.
pub const POD_EXEC: &[Param] = &[
    query("command", "string", "Command is the remote command to execute. argv array. Not executed within a shell."),
    query("container", "string", "Container in which to execute the command. Defaults to only container if there is only one container in the pod."),
    query("stderr", "boolean", "Redirect the standard error stream of the pod for this call."),
    query("stdin", "boolean", "Redirect the standard input stream of the pod for this call. Defaults to false."),
    query("stdout", "boolean", "Redirect the standard output stream of the pod for this call."),
    query("tty", "boolean", "TTY if true indicates that a tty will be allocated for the exec call. Defaults to false."),
];

/// Query parameters of `pods/attach`.
pub const POD_ATTACH: &[Param] = &[
    query("container", "string", "The container in which to execute the command. Defaults to only container if there is only one container in the pod."),
    query("stderr", "boolean", "Stderr if true indicates that stderr is to be redirected for the attach call. Defaults to true."),
    query("stdin", "boolean", "Stdin if true, redirects the standard input stream of the pod for this call. Defaults to false."),
    query("stdout", "boolean", "Stdout if true indicates that stdout is to be redirected for the attach call. Defaults to true."),
    query("tty", "boolean", "TTY if true indicates that a tty will be allocated for the attach call. This is passed through the container runtime so the tty is allocated on the worker node by the container runtime. Defaults to false."),
];

/// Query parameters of `pods/portforward`.
pub const POD_PORT_FORWARD: &[Param] = &[query(
    "ports",
    "integer",
    "List of ports to forward Required when using WebSockets",
)];

/// Query parameters of the proxy subresources.
pub const PROXY: &[Param] = &[query(
    "path",
    "string",
    "Path is the URL path to use for the current proxy request.",
)];
