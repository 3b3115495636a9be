"""The shapes of the API's requests and answers (pydantic), for validation and for the
OpenAPI schema at /openapi.json."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field


class ModelInfo(BaseModel):
    name: str
    dataset: str
    classes: list[str]
    layers: str
    parameters: int
    test_accuracy: float | None
    first_layer: str


class Prediction(BaseModel):
    digit: int
    label: str
    confidence: float
    probabilities: list[float]
    image: list[float] = Field(description="the 28×28 input the network saw, row by row")
    first_layer: list[float]
    hidden: list[float]


class ReadDigit(BaseModel):
    label: int
    confidence: float
    box: list[int] = Field(description="x0, y0, x1, y1 in the image's pixels")
    image: list[float]


class Reading(BaseModel):
    text: str
    width: int
    height: int
    digits: list[ReadDigit]


class TrainSettings(BaseModel):
    """A training run from the Train tab (sigmoid output; softmax with log-likelihood)."""

    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    hidden: list[Annotated[int, Field(ge=1, le=512)]] = Field(default=[30], max_length=4)
    activation: Literal["sigmoid", "tanh", "relu"] = "sigmoid"
    cost: Literal["quadratic", "cross-entropy", "log-likelihood"] = "cross-entropy"
    learning_rate: float = Field(default=0.5, gt=0, le=100)
    mini_batch_size: int = Field(default=10, ge=1, le=1000)
    epochs: int = Field(default=1, ge=1, le=100)
    train_size: int = Field(default=10_000, ge=100, le=50_000)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class Started(BaseModel):
    run_id: int


class Saved(BaseModel):
    name: str
    path: str


class Select(BaseModel):
    name: str = Field(max_length=200)
