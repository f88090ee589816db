// ChatBlobStore
