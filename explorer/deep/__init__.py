"""The "Deep features" section: a network pretrained on ImageNet (its weights, predictions and features),
transfer learning on its features, DeepDream and neural style transfer. Imports torch."""
