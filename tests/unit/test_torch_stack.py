"""torch and torchvision are a matched pair: the ops later pages rely on must run on the CPU."""

import torch
import torchvision
from torchvision import ops
from torchvision.transforms import v2


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], dtype=torch.float32)
    scores = torch.tensor([0.9, 0.8, 0.7])
    # Boxes 0 and 1 overlap with IoU 81/119 ≈ 0.68 > 0.5, so box 1 is suppressed; box 2 stands alone.
    assert ops.nms(boxes, scores, iou_threshold=0.5).tolist() == [0, 2]


def test_transforms_v2_flip_moves_the_pixels():
    image = torch.arange(6, dtype=torch.float32).reshape(1, 2, 3)
    flipped = v2.RandomHorizontalFlip(p=1.0)(image)
    assert flipped[0].tolist() == [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]


def test_versions_are_the_pinned_pair():
    assert torch.__version__.split("+")[0] == "2.15.0"
    assert torchvision.__version__.split("+")[0] == "0.29.2"
