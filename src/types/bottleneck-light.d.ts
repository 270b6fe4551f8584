// bottleneck ships its types for the main entry only; the light build has the same API.
declare module "bottleneck/light.js" {
  import Bottleneck from "bottleneck";
  export default Bottleneck;
}
