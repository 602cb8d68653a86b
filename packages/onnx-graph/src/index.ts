export { GRADIENT_IO, inputGradientModel, shapeProbeModel } from './input-gradient.ts';
export {
  type AttributeValue,
  ELEMENT_TYPE,
  encodeOnnxModel,
  extendOnnxModel,
  type GraphNode,
  type GraphParts,
  type Initializer,
  type OnnxNode,
  type ParsedOnnxModel,
  parseOnnxModel,
  type ValueInfo,
} from './onnx-model.ts';
