/** PROTOBUF_CONTENT_TYPE is the media type of one protobuf object (runtime.ContentTypeProtobuf). */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** PROTOBUF_WATCH_CONTENT_TYPE is the media type kube-apiserver answers a protobuf watch with. */
export const PROTOBUF_WATCH_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf;stream=watch';
