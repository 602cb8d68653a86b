export { GRADIENT_IO, inputGradientModel, logitsModel, shapeProbeModel } from './input-gradient.ts';
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
