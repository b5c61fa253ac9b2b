"""A YOLOv1-style loss as detection tutorials write it: boxes in (cx, cy, w, h) converted to
corners, intersection_over_union for midpoint and corner formats with clamp(0), a target grid
S x S x (C + 5) built from box lists, two predicted boxes per cell with the responsible one
chosen by torch.max over IoUs, sqrt of width/height with torch.sign * sqrt(abs + eps), the
coordinate/object/no-object/class terms with lambda_coord and lambda_noobj, nms written with
a while loop on sorted scores, and a few optimisation steps of a tiny detection head."""
import torch
import torch.nn as nn


def intersection_over_union(boxes_preds, boxes_labels, box_format="midpoint"):
    if box_format == "midpoint":
        box1_x1 = boxes_preds[..., 0:1] - boxes_preds[..., 2:3] / 2
        box1_y1 = boxes_preds[..., 1:2] - boxes_preds[..., 3:4] / 2
        box1_x2 = boxes_preds[..., 0:1] + boxes_preds[..., 2:3] / 2
        box1_y2 = boxes_preds[..., 1:2] + boxes_preds[..., 3:4] / 2
        box2_x1 = boxes_labels[..., 0:1] - boxes_labels[..., 2:3] / 2
        box2_y1 = boxes_labels[..., 1:2] - boxes_labels[..., 3:4] / 2
        box2_x2 = boxes_labels[..., 0:1] + boxes_labels[..., 2:3] / 2
        box2_y2 = boxes_labels[..., 1:2] + boxes_labels[..., 3:4] / 2
    else:
        box1_x1, box1_y1 = boxes_preds[..., 0:1], boxes_preds[..., 1:2]
        box1_x2, box1_y2 = boxes_preds[..., 2:3], boxes_preds[..., 3:4]
        box2_x1, box2_y1 = boxes_labels[..., 0:1], boxes_labels[..., 1:2]
        box2_x2, box2_y2 = boxes_labels[..., 2:3], boxes_labels[..., 3:4]
    x1 = torch.max(box1_x1, box2_x1)
    y1 = torch.max(box1_y1, box2_y1)
    x2 = torch.min(box1_x2, box2_x2)
    y2 = torch.min(box1_y2, box2_y2)
    intersection = (x2 - x1).clamp(0) * (y2 - y1).clamp(0)
    box1_area = abs((box1_x2 - box1_x1) * (box1_y2 - box1_y1))
    box2_area = abs((box2_x2 - box2_x1) * (box2_y2 - box2_y1))
    return intersection / (box1_area + box2_area - intersection + 1e-6)


def nms(bboxes, iou_threshold, threshold, box_format="corners"):
    bboxes = [box for box in bboxes if box[1] > threshold]
    bboxes = sorted(bboxes, key=lambda x: x[1], reverse=True)
    bboxes_after_nms = []
    while bboxes:
        chosen_box = bboxes.pop(0)
        bboxes = [box for box in bboxes if box[0] != chosen_box[0] or intersection_over_union(
            torch.tensor(chosen_box[2:]), torch.tensor(box[2:]), box_format=box_format) < iou_threshold]
        bboxes_after_nms.append(chosen_box)
    return bboxes_after_nms


class YoloLoss(nn.Module):
    def __init__(self, S=4, B=2, C=3):
        super().__init__()
        self.mse = nn.MSELoss(reduction="sum")
        self.S, self.B, self.C = S, B, C
        self.lambda_noobj = 0.5
        self.lambda_coord = 5

    def forward(self, predictions, target):
        C = self.C
        predictions = predictions.reshape(-1, self.S, self.S, C + self.B * 5)
        iou_b1 = intersection_over_union(predictions[..., C + 1:C + 5], target[..., C + 1:C + 5])
        iou_b2 = intersection_over_union(predictions[..., C + 6:C + 10], target[..., C + 1:C + 5])
        ious = torch.cat([iou_b1.unsqueeze(0), iou_b2.unsqueeze(0)], dim=0)
        iou_maxes, bestbox = torch.max(ious, dim=0)
        exists_box = target[..., C].unsqueeze(3)
        box_predictions = exists_box * (bestbox * predictions[..., C + 6:C + 10]
                                        + (1 - bestbox) * predictions[..., C + 1:C + 5])
        box_targets = exists_box * target[..., C + 1:C + 5]
        box_predictions[..., 2:4] = torch.sign(box_predictions[..., 2:4]) * torch.sqrt(
            torch.abs(box_predictions[..., 2:4] + 1e-6))
        box_targets[..., 2:4] = torch.sqrt(box_targets[..., 2:4])
        box_loss = self.mse(torch.flatten(box_predictions, end_dim=-2),
                            torch.flatten(box_targets, end_dim=-2))
        pred_box = bestbox * predictions[..., C + 5:C + 6] + (1 - bestbox) * predictions[..., C:C + 1]
        object_loss = self.mse(torch.flatten(exists_box * pred_box),
                               torch.flatten(exists_box * target[..., C:C + 1]))
        no_object_loss = self.mse(torch.flatten((1 - exists_box) * predictions[..., C:C + 1],
                                                start_dim=1),
                                  torch.flatten((1 - exists_box) * target[..., C:C + 1],
                                                start_dim=1))
        no_object_loss += self.mse(torch.flatten((1 - exists_box) * predictions[..., C + 5:C + 6],
                                                 start_dim=1),
                                   torch.flatten((1 - exists_box) * target[..., C:C + 1],
                                                 start_dim=1))
        class_loss = self.mse(torch.flatten(exists_box * predictions[..., :C], end_dim=-2),
                              torch.flatten(exists_box * target[..., :C], end_dim=-2))
        loss = (self.lambda_coord * box_loss + object_loss + self.lambda_noobj * no_object_loss
                + class_loss)
        return loss, (box_loss.item(), object_loss.item(), no_object_loss.item(),
                      class_loss.item())


def encode(boxes, S=4, C=3):
    label_matrix = torch.zeros((S, S, C + 5))
    for cls, x, y, w, h in boxes:
        i, j = int(S * y), int(S * x)
        x_cell, y_cell = S * x - j, S * y - i
        if label_matrix[i, j, C] == 0:
            label_matrix[i, j, C] = 1
            label_matrix[i, j, C + 1:C + 5] = torch.tensor([x_cell, y_cell, w * S, h * S])
            label_matrix[i, j, int(cls)] = 1
    return label_matrix


a = torch.tensor([[0.5, 0.5, 0.4, 0.4], [0.2, 0.3, 0.1, 0.2]])
b = torch.tensor([[0.55, 0.5, 0.4, 0.3], [0.7, 0.7, 0.1, 0.1]])
print(intersection_over_union(a, b), intersection_over_union(a, b, "corners"))
boxes = [[0, 0.9, 0.1, 0.1, 0.5, 0.5], [0, 0.8, 0.12, 0.1, 0.5, 0.52],
         [1, 0.7, 0.1, 0.1, 0.5, 0.5], [0, 0.6, 0.6, 0.6, 0.9, 0.9], [2, 0.1, 0, 0, 1, 1]]
print(nms(boxes, iou_threshold=0.5, threshold=0.2))
torch.manual_seed(0)
targets = torch.stack([encode([(0, 0.3, 0.4, 0.2, 0.3), (2, 0.8, 0.1, 0.1, 0.15)]),
                       encode([(1, 0.55, 0.6, 0.5, 0.4)])])
print(targets.shape, targets[..., 3].sum(), targets[0, 1, 1])
head = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 64), nn.LeakyReLU(0.1),
                     nn.Linear(64, 4 * 4 * 13))
images = torch.randn(2, 3, 16, 16)
criterion = YoloLoss()
opt = torch.optim.Adam(head.parameters(), lr=1e-3)
for step in range(20):
    loss, parts = criterion(head(images), targets)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(step, f"{loss.item():.5f}", [round(p, 5) for p in parts])
