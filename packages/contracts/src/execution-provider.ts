/**
 * onnxruntime-node execution providers advscreen runs the model on. `cuda` needs onnxruntime-node's
 * CUDA files (downloaded at install, baked into the GPU image); `webgpu` ships in the npm package
 * and reaches the GPU through Dawn's Vulkan backend (a Vulkan loader and the driver's ICD).
 */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];
